/**
 * `env_setting`: make sure a `KEY=value` line is in a file such as /etc/environment.
 * Built on tsplay/helpers: one read, at most one atomic write, other lines kept byte for
 * byte, exact check mode and a diff.
 */
import { defineModule } from 'tsplay';
import { editFile, ensureLine } from 'tsplay/helpers';
import { assignmentPattern, envLine } from './lib/key-value.js';

interface Args {
  path: string;
  key: string;
  value: string;
  mode?: string;
}

export default defineModule<Args>({
  name: 'env_setting',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['path', 'key', 'value'],
    properties: {
      path: { type: 'string', description: 'The file to edit; created when missing.' },
      key: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'The variable name.' },
      value: { type: 'string', description: 'Its value (written as is).' },
      mode: { type: 'string', description: "The file's mode, e.g. '0644'." },
    },
  },
  docs: {
    short: 'Set KEY=value in an environment file',
    examples: '- env_setting: { path: /etc/environment, key: LANG, value: C.UTF-8 }\n',
    returns: { path: 'The file.', key: 'The variable set.' },
  },
  async run(ctx) {
    const { path, key, value, mode } = ctx.args;
    // The last KEY= line is replaced (it is the one that counts), else the line is appended.
    const result = await editFile(ctx, path, (before) => ensureLine(before, { regexp: assignmentPattern(key), line: envLine(key, value) }), mode ? { mode } : {});
    return { ...result, path, key };
  },
});
