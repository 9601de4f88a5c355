/**
 * `lineinfile`: make sure one line is in a file (replacing the line a regexp or a search
 * string finds), or that matching lines are gone. Same algorithm and corner cases as
 * Ansible's; one read and at most one write per task.
 */
import { defineModule } from '../core/modules/api.js';
import { RegexError } from '../core/util/python-regex.js';
import { mutuallyExclusive, requireArg, resolveAliases, withAliases } from './_lib/args.js';
import { attrSchema, type AttrArgs } from './_lib/file-attrs.js';
import { ensureLine, readFileForEdit, removeLines, writeEditedFile } from '../core/helpers/index.js';

interface LineinfileArgs extends AttrArgs {
  path?: string;
  state: 'present' | 'absent';
  regexp?: string;
  search_string?: string;
  line?: string;
  insertafter?: string;
  insertbefore?: string;
  backrefs: boolean;
  create: boolean;
  backup: boolean;
  firstmatch: boolean;
  validate?: string;
}

const ALIASES = { path: ['dest', 'destfile', 'name'], regexp: ['regex'], line: ['value'] };

export default defineModule<LineinfileArgs>({
  name: 'lineinfile',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: withAliases(
      {
        path: { type: 'string', description: 'Required. The file to edit.' },
        state: { enum: ['present', 'absent'], default: 'present', description: 'Whether the line should be there or not.' },
        regexp: { type: 'string', description: 'Python regular expression; the last matching line is replaced (or, with state absent, every matching line removed).' },
        search_string: { type: 'string', description: 'Literal text to look for instead of a regexp.' },
        line: { type: 'string', description: 'The line to put in the file (required with state present).' },
        insertafter: { type: 'string', description: "Regexp after whose last match the line is inserted when nothing matched, or 'EOF' (default) / 'BOF'." },
        insertbefore: { type: 'string', description: "Regexp before whose last match the line is inserted, or 'BOF'." },
        backrefs: { type: 'boolean', default: false, description: 'Expand \\1 / \\g<name> in line from the regexp match; do nothing when nothing matches.' },
        create: { type: 'boolean', default: false, description: 'Create the file (and its directory) if it does not exist.' },
        backup: { type: 'boolean', default: false, description: 'Keep a timestamped copy of the file before changing it.' },
        firstmatch: { type: 'boolean', default: false, description: 'Use the first match of regexp/insertafter/insertbefore instead of the last.' },
        validate: { type: 'string', description: "Command that checks the edited file before it is installed; '%s' is the file." },
        ...attrSchema,
      },
      ALIASES,
    ),
  },
  docs: {
    short: 'Ensure a line is present in (or absent from) a text file',
    description: [
      'Looks for the line matching `regexp` (a Python regular expression, as in Ansible) or containing',
      '`search_string`, and replaces it with `line`; when nothing matches, inserts `line` at the end, or after',
      '/ before the last line matching `insertafter` / `insertbefore` (`BOF` and `EOF` work too). With',
      '`state: absent`, every matching line is removed. The file is read once and written once, atomically,',
      'only when its content changes; `mode`/`owner`/`group` are fixed in the same step.',
    ].join('\n'),
    examples: [
      '- name: Enable IP forwarding in sysctl.conf',
      '  lineinfile:',
      '    path: /etc/sysctl.conf',
      '    regexp: "^net.ipv4.ip_forward\\\\s*="',
      '    line: net.ipv4.ip_forward = 1',
      '',
      '- name: Hosts entries',
      '  lineinfile:',
      '    path: /etc/hosts',
      '    line: "{{item}}"',
      '  loop:',
      '    - 192.168.1.100 opctl',
      '    - 192.168.1.101 opnet',
      '',
      '- name: Open VNC ports before the REJECT rule',
      '  lineinfile:',
      '    path: /etc/sysconfig/iptables',
      '    insertbefore: "^-A INPUT -j REJECT"',
      '    line: "-A INPUT -p tcp -m multiport --dports 5900:5999 -j ACCEPT"',
      '',
      '- name: Switch SELinux to permissive, keeping the rest of the line',
      '  lineinfile:',
      '    path: /etc/selinux/config',
      '    regexp: "^SELINUX=(?!permissive)"',
      '    line: SELINUX=permissive',
      '',
      '- name: Remove a setting',
      '  lineinfile:',
      '    path: /etc/ssh/sshd_config',
      '    regexp: "^PermitRootLogin "',
      '    state: absent',
      '    backup: true',
      '',
    ].join('\n'),
    returns: {
      msg: "'line added', 'line replaced', 'N line(s) removed' (plus ' and ownership, perms or SE linux context changed').",
      found: 'With state absent: how many lines were removed.',
      backup_file: 'The backup, when backup: true and the file changed (also returned as `backup`).',
    },
    notes: [
      "Python's `$` also matches before a line's final newline; tsplay matches each line without its newline, which behaves the same.",
    ],
  },
  async run(ctx) {
    const a = resolveAliases(ctx, ALIASES);
    requireArg(ctx, a, 'path', ALIASES.path);
    // backrefs has a default (false); only a true one conflicts, as Ansible counts only given arguments.
    mutuallyExclusive(ctx, { ...a, backrefs: a.backrefs || undefined }, ['insertbefore', 'insertafter'], ['regexp', 'search_string'], ['backrefs', 'search_string']);
    if (a.state === 'present') {
      if (a.backrefs && a.regexp === undefined) ctx.fail('regexp is required with backrefs=true');
      if (a.line === undefined) ctx.fail('line is required with state=present');
    } else if (a.regexp === undefined && a.search_string === undefined && a.line === undefined) {
      ctx.fail('one of line, search_string, or regexp is required with state=absent');
    }
    const path = a.path!;
    const file = await readFileForEdit(ctx, path);
    if (file.content === null) {
      if (a.state === 'absent') return { changed: false, msg: 'file not present', found: 0 };
      if (!a.create) ctx.fail(`Destination ${path} does not exist !`, { rc: 257 });
    }
    let outcome;
    try {
      outcome =
        a.state === 'present'
          ? ensureLine(file.content, {
              line: a.line!,
              backrefs: a.backrefs,
              firstMatch: a.firstmatch,
              ...(a.regexp !== undefined ? { regexp: a.regexp } : {}),
              ...(a.search_string !== undefined ? { searchString: a.search_string } : {}),
              ...(a.insertafter !== undefined ? { insertAfter: a.insertafter } : {}),
              ...(a.insertbefore !== undefined ? { insertBefore: a.insertbefore } : {}),
            })
          : removeLines(file.content, {
              ...(a.regexp !== undefined ? { regexp: a.regexp } : {}),
              ...(a.search_string !== undefined ? { searchString: a.search_string } : {}),
              ...(a.line !== undefined ? { line: a.line } : {}),
            });
    } catch (err) {
      if (err instanceof RegexError) return ctx.fail(err.message);
      throw err;
    }
    const result = await writeEditedFile(ctx, path, file, outcome.content, {
      contentChanged: outcome.changed,
      msg: outcome.msg,
      mode: a.mode,
      owner: a.owner,
      group: a.group,
      backup: a.backup,
      ...(a.validate ? { validate: a.validate } : {}),
    });
    if ('found' in outcome) result.found = outcome.found;
    result.backup = result.backup_file ?? '';
    return result;
  },
});
