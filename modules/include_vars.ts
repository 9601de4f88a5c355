/**
 * `include_vars`: load variables from a YAML/JSON file, or every file of a directory, in
 * the controller, as host variables from this task on (or under one `name:`). Relative
 * paths are searched as Ansible does: the role's vars/, then beside the playbook (vars/
 * and the directory itself).
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { defineModule } from '../core/modules/api.js';
import { Problems } from '../core/playbook/errors.js';
import { SourceFile } from '../core/playbook/yaml-source.js';

interface IncludeVarsArgs {
  file?: string;
  _raw_params?: string;
  dir?: string;
  name?: string;
  depth: number;
  files_matching?: string;
  ignore_files: string[];
  extensions: string[];
  ignore_unknown_extensions: boolean;
  hash_behaviour?: 'replace' | 'merge';
}

/** Files of `dir`, sorted by name in each directory, down to `depth` levels (0: all). */
function filesOf(dir: string, depth: number, level = 1): string[] {
  const out: string[] = [];
  const entries = readdirSync(dir).sort();
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (depth === 0 || level < depth) out.push(...filesOf(path, depth, level + 1));
    } else out.push(path);
  }
  return out;
}

export default defineModule<IncludeVarsArgs>({
  name: 'include_vars',
  controllerOnly: true,
  freeForm: 'file',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      file: { type: 'string', description: 'A YAML or JSON file of variables (the free form).' },
      dir: { type: 'string', description: 'A directory: every file with one of `extensions` is loaded, in name order.' },
      name: { type: 'string', description: 'Put the variables under this one variable instead of at the top level.' },
      depth: { type: 'integer', minimum: 0, default: 0, description: 'How deep to look into `dir` (0: all levels).' },
      files_matching: { type: 'string', description: 'With dir: only files whose name matches this regular expression.' },
      ignore_files: { type: 'array', items: { type: 'string' }, default: [], description: 'With dir: file names (regular expressions) to skip.' },
      extensions: { type: 'array', items: { type: 'string' }, default: ['yaml', 'yml', 'json'], description: 'With dir: file extensions to load.' },
      ignore_unknown_extensions: { type: 'boolean', default: false, description: 'With dir: skip files with other extensions instead of failing.' },
      hash_behaviour: { type: 'string', enum: ['replace', 'merge'], description: 'Accepted for compatibility; variables replace earlier ones (replace).' },
    },
  },
  docs: {
    short: 'Load variables from files during a run',
    description: [
      'Reads a vars file (or every vars file of `dir`) in the controller and sets its variables for the host',
      'from this task on, above play and role variables (like set_fact). With `name:` they are gathered under',
      'that one variable. A relative path is looked up in the role\'s vars/, then the playbook\'s vars/ and',
      'directory. Vault-encrypted files are decrypted with the run\'s vault secrets. Never changes the host;',
      'runs the same in check mode.',
    ].join('\n'),
    examples: [
      '- name: Variables for this OS',
      '  include_vars: "{{ ansible_os_family }}.yml"',
      '',
      '- name: Every file of a directory, under one name',
      '  include_vars:',
      '    dir: settings',
      '    files_matching: "^app_"',
      '    name: settings',
      '',
    ].join('\n'),
    returns: { ansible_facts: 'The variables loaded.', ansible_included_var_files: 'The files read.' },
  },
  async run(ctx) {
    const a = ctx.args;
    const file = a.file ?? a._raw_params;
    if ((file === undefined) === (a.dir === undefined)) ctx.fail("include_vars needs exactly one of 'file' (or the free form) and 'dir'");
    let paths: string[];
    if (file !== undefined) paths = [ctx.findFile('vars', file)];
    else {
      const dir = ctx.findFile('vars', a.dir!);
      let found: string[];
      try {
        found = filesOf(dir, a.depth);
      } catch (err) {
        return ctx.fail(`include_vars: cannot read directory ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      const matching = a.files_matching !== undefined ? new RegExp(a.files_matching) : undefined;
      const ignored = a.ignore_files.map((p) => new RegExp(p));
      paths = [];
      for (const path of found) {
        const name = basename(path);
        if (matching && !matching.test(name)) continue;
        if (ignored.some((re) => re.test(name))) continue;
        const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : '';
        if (!a.extensions.includes(ext)) {
          if (a.ignore_unknown_extensions) continue;
          ctx.fail(`include_vars: ${relative(dir, path)} does not have a valid extension: ${a.extensions.join(', ')}`);
        }
        paths.push(path);
      }
    }
    const vars: Record<string, unknown> = {};
    for (const path of paths) {
      let text: string;
      try {
        text = ctx.readControllerFile(path).toString('utf8');
      } catch (err) {
        return ctx.fail(`include_vars: could not read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      const problems = new Problems();
      const data = SourceFile.parse(path, text, problems).data;
      if (problems.list.length) ctx.fail(`include_vars: ${problems.list.map((p) => `${p.file}:${p.line}: ${p.message}`).join('; ')}`);
      if (data === null || data === undefined) continue;
      if (typeof data !== 'object' || Array.isArray(data)) ctx.fail(`include_vars: ${path} must hold a mapping of variable names to values`);
      Object.assign(vars, data);
    }
    return { changed: false, ansible_facts: a.name !== undefined ? { [a.name]: vars } : vars, ansible_included_var_files: paths };
  },
});
