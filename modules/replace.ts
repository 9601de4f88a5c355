/**
 * `replace`: replace every match of a Python regular expression in a file (optionally only
 * between `after` and `before`), as Ansible's module does. One read, at most one write.
 */
import { defineModule } from '../core/modules/api.js';
import { RegexError } from '../core/util/python-regex.js';
import { requireArg, resolveAliases, withAliases } from './_lib/args.js';
import { finishEdit, readForEdit } from './_lib/edit-file.js';
import { attrSchema, parseAttrs, type AttrArgs } from './_lib/file-attrs.js';
import { binaryToBuffer, toBinary } from './_lib/line-edit.js';
import { replaceText } from './_lib/replace-text.js';

interface ReplaceArgs extends AttrArgs {
  path?: string;
  regexp: string;
  replace: string;
  after?: string;
  before?: string;
  backup: boolean;
  validate?: string;
  encoding: string;
}

const ALIASES = { path: ['dest', 'destfile', 'name'] };

const UTF8 = ['utf-8', 'utf8'];
const LATIN1 = ['latin-1', 'latin1', 'iso-8859-1', 'iso8859-1'];

/**
 * The file's text and the way back to bytes. Text that is not valid UTF-8 is handled byte
 * for byte (as Python's surrogateescape does): those bytes survive untouched, and the
 * pattern is matched against the UTF-8 bytes of what the user wrote.
 */
function decode(content: Buffer, encoding: string): { text: string; toFile: (text: string) => Buffer; arg: (s: string) => string } {
  const binary = { text: content.toString('latin1'), toFile: binaryToBuffer };
  if (LATIN1.includes(encoding)) return { ...binary, arg: (s) => s };
  const text = content.toString('utf8');
  if (Buffer.from(text, 'utf8').equals(content)) return { text, toFile: (t) => Buffer.from(t, 'utf8'), arg: (s) => s };
  return { ...binary, arg: toBinary };
}

export default defineModule<ReplaceArgs>({
  name: 'replace',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['regexp'],
    properties: withAliases(
      {
        path: { type: 'string', description: 'Required. The file to modify.' },
        regexp: { type: 'string', description: 'Python regular expression (MULTILINE: ^ and $ are at every line); every match is replaced.' },
        replace: { type: 'string', default: '', description: 'The replacement; \\1, \\g<1> and \\g<name> insert groups. Empty removes the matches.' },
        after: { type: 'string', description: 'Only replace after the first match of this regular expression (searched with DOTALL).' },
        before: { type: 'string', description: 'Only replace before the last match of this regular expression (with after: before the first match following it).' },
        backup: { type: 'boolean', default: false, description: 'Keep a timestamped copy of the file before changing it.' },
        validate: { type: 'string', description: "Command that checks the edited file before it is installed; '%s' is the file." },
        encoding: {
          enum: [...UTF8, ...LATIN1],
          default: 'utf-8',
          description: "How the file is read and written: 'utf-8' (bytes that are not valid UTF-8 are kept as they are) or 'latin-1'.",
        },
        ...attrSchema,
      },
      ALIASES,
    ),
  },
  docs: {
    short: 'Replace all matches of a regular expression in a file',
    description: [
      'Reads the file once, replaces every match of `regexp` (a Python regular expression, compiled with',
      'MULTILINE as in Ansible) by `replace` in the controller, and writes the result once, atomically, only',
      'when the text changes; `mode`/`owner`/`group` are fixed in the same step. `after` and `before` limit',
      'the replacement to the text after the first match of `after` and before the match of `before`,',
      'exactly as Ansible combines them (`after(?P<subsection>.*?)before`, DOTALL). A missing file fails, as',
      'in Ansible (`replace` never creates files). Check mode predicts the same result and `--diff` shows',
      'the whole file before and after.',
    ].join('\n'),
    examples: [
      '- name: Point every server line at the new NTP host',
      '  replace:',
      '    path: /etc/chrony.conf',
      '    regexp: "^server .*$"',
      '    replace: server ntp.example.com iburst',
      '',
      '- name: Uncomment settings, keeping their values (groups)',
      '  replace:',
      '    path: /etc/nova/nova.conf',
      '    regexp: "^#\\\\s*(?P<key>\\\\w+)\\\\s*=\\\\s*(.*)$"',
      '    replace: "\\\\g<key> = \\\\2"',
      '    backup: true',
      '',
      '- name: Only inside one section of a file',
      '  replace:',
      '    path: /etc/hosts',
      '    after: "# BEGIN cluster"',
      '    before: "# END cluster"',
      '    regexp: "\\\\bold-name\\\\b"',
      '    replace: new-name',
      '',
      '- name: Check an edited sudoers file before installing it',
      '  replace:',
      '    path: /etc/sudoers',
      '    regexp: "^Defaults\\\\s+requiretty$"',
      '    replace: "# Defaults requiretty"',
      '    validate: visudo -cf %s',
      '',
    ].join('\n'),
    returns: {
      msg: "'N replacements made' ('' when nothing changed), plus ' and ownership, perms or SE linux context changed'; or why before/after did not apply.",
      backup_file: 'The backup, when backup: true and the file changed.',
    },
    notes: [
      "Patterns keep Python's meaning where JavaScript's RegExp differs: `.` matches any character but \"\\n\" (also \"\\r\"), and `^`/`$` are at \"\\n\" only, so CRLF files match as under Ansible.",
      'Not supported (the task fails with a clear message): the verbose flag `(?x)`, and inline flags anywhere but at the start of the pattern. `\\d`, `\\w` and `\\s` follow JavaScript, which matches ASCII digits and word characters only (Python also matches other Unicode digits and letters).',
      "Empty matches are replaced as Python 3.7 and later do (`re.sub('x*', '-', 'abxd')` gives `-a-b--d-`).",
    ],
  },
  async run(ctx) {
    const a = resolveAliases(ctx, ALIASES);
    requireArg(ctx, a, 'path', ALIASES.path);
    const attrs = parseAttrs(ctx, a);
    const path = a.path!;
    const file = await readForEdit(ctx, path);
    const content = file.content ?? ctx.fail(`Path ${path} does not exist !`, { rc: 257 });
    const { text, toFile, arg } = decode(content, a.encoding);
    let outcome;
    try {
      outcome = replaceText(text, {
        regexp: arg(a.regexp),
        replace: arg(a.replace),
        ...(a.after !== undefined ? { after: arg(a.after) } : {}),
        ...(a.before !== undefined ? { before: arg(a.before) } : {}),
      });
    } catch (err) {
      if (err instanceof RegexError) return ctx.fail(err.message);
      throw err;
    }
    if (outcome.noSection) return { changed: false, msg: outcome.msg };
    return finishEdit(ctx, {
      path,
      file,
      after: outcome.changed ? toFile(outcome.text) : content,
      contentChanged: outcome.changed,
      msg: outcome.msg,
      attrs,
      backup: a.backup,
      ...(a.validate ? { validate: a.validate } : {}),
    });
  },
});
