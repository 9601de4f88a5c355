/**
 * `tsplay config`: like ansible-config. `dump` prints every setting tsplay honours with
 * where its value came from (default, env: NAME, or the ansible.cfg path), then the
 * settings of that ansible.cfg tsplay does not use and why; `view` prints the file found;
 * `list` describes the settings.
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../config/load.js';
import { ConfigFileError } from '../config/ansible-cfg.js';
import { ConfigValueError, SETTINGS, type ResolvedConfig } from '../config/settings.js';
import { CliError } from './errors.js';
import { EXIT } from './main.js';

/** Values as ansible-config prints them (Python's repr for lists, True/False/None). */
function pyRepr(v: unknown): string {
  if (v === undefined || v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (Array.isArray(v)) return `[${v.map((x) => `'${String(x)}'`).join(', ')}]`;
  return String(v);
}

function load(): ResolvedConfig {
  try {
    return loadConfig({ warn: (m) => process.stderr.write(`[WARNING]: ${m}\n`) });
  } catch (err) {
    if (err instanceof ConfigFileError || err instanceof ConfigValueError) throw new CliError(err.message, EXIT.BAD_OPTIONS);
    throw err;
  }
}

export async function configDump(flags: { onlyChanged: boolean }): Promise<number> {
  const config = load();
  // ansible-config's layout: the file first, then the settings by name.
  const out: string[] = [`CONFIG_FILE() = ${config.cfg?.path ?? 'None'}`];
  for (const s of config.entries().sort((a, b) => (a.def.name < b.def.name ? -1 : 1))) {
    if (flags.onlyChanged && s.origin === 'default') continue;
    out.push(`${s.def.name}(${s.origin}) = ${pyRepr(s.value)}`);
  }
  const unknown = config.unknown();
  if (unknown.length && config.cfg) {
    out.push('', `Not used by tsplay (${config.cfg.path}):`);
    for (const u of unknown) out.push(`  line ${u.line}: [${u.section}] ${u.key}${u.why ? `: not needed, ${u.why}` : ': not supported (ignored)'}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return EXIT.OK;
}

export async function configView(): Promise<number> {
  const config = load();
  if (!config.cfg) throw new CliError('no ansible.cfg found (ANSIBLE_CONFIG, ./ansible.cfg, ~/.ansible.cfg, /etc/ansible/ansible.cfg)', EXIT.ERROR);
  process.stdout.write(readFileSync(config.cfg.path, 'utf8'));
  return EXIT.OK;
}

export async function configList(): Promise<number> {
  const out: string[] = [];
  for (const s of SETTINGS) {
    out.push(`${s.name}:`, `  description: ${s.description}`);
    if (s.ini) out.push(`  ini: [${s.ini.section}] ${s.ini.key}`);
    out.push(`  env: ${s.env.join(', ')}`, `  default: ${pyRepr(s.default)}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return EXIT.OK;
}
