/**
 * `slurp`: fetch a file's bytes from the host into a variable (base64-encoded, as in
 * Ansible), in one round trip.
 */
import { defineModule } from '../core/modules/api.js';
import { requireArg, resolveAliases, withAliases } from './_lib/args.js';
import { statPath } from './_lib/path-state.js';

interface SlurpArgs {
  src?: string;
}

const ALIASES = { src: ['path'] };

export default defineModule<SlurpArgs>({
  name: 'slurp',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: withAliases({ src: { type: 'string', description: 'Required. The file on the host to read.' } }, ALIASES),
  },
  docs: {
    short: "Read a file from the host into a variable (base64)",
    description: [
      'Reads the whole file (binary-safe) and returns it base64-encoded in `content`; decode it with the',
      '`b64decode` filter. Changes nothing; in check mode it sees files earlier tasks would have written.',
    ].join('\n'),
    examples: [
      '- name: Read the generated answer file',
      '  slurp:',
      '    src: /root/answer.txt',
      '  register: answer',
      '',
      '- name: Show it',
      '  debug:',
      '    msg: "{{b64decode answer.content}}"',
      '',
    ].join('\n'),
    returns: { content: 'The bytes, base64-encoded.', encoding: "Always 'base64'.", source: 'The path read.' },
  },
  async run(ctx) {
    const a = resolveAliases(ctx, ALIASES);
    requireArg(ctx, a, 'src', ALIASES.src);
    const src = a.src!;
    const s = await statPath(ctx, src, { content: true, follow: true });
    if (s.kind === 'absent') ctx.fail(`file not found: ${src}`);
    if (s.kind === 'directory') ctx.fail(`source is a directory and must be a file: ${src}`);
    if (s.contentUnknown) ctx.fail(`${src} would be created by an earlier task, but its content cannot be known in check mode`);
    if (!s.content) return ctx.fail(`source is not a regular file: ${src}`);
    return { changed: false, content: s.content.toString('base64'), encoding: 'base64', source: src };
  },
});
