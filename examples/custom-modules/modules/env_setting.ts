/**
 * `env_setting`: make sure a `KEY=value` line is in a file such as /etc/environment.
 * Idempotent, predicts exactly in check mode, and shows a diff.
 */
import { defineModule } from 'tsplay';
import { setKeyValue } from './lib/key-value.js';

interface Args {
  path: string;
  key: string;
  value: string;
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
    },
  },
  docs: {
    short: 'Set KEY=value in an environment file',
    examples: '- env_setting: { path: /etc/environment, key: LANG, value: C.UTF-8 }',
    returns: { path: 'The file.', key: 'The variable set.' },
  },
  async run(ctx) {
    const { path, key, value } = ctx.args;
    const before = (await ctx.readFile(path))?.toString('utf8') ?? '';
    const after = setKeyValue(before, key, value);
    if (after === before) return { changed: false, path, key };
    await ctx.writeFile(path, after); // in --check this writes nothing and records the prediction
    return { changed: true, path, key, diff: { before, after, beforeHeader: path, afterHeader: path } };
  },
});
