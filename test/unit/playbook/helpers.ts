/** Shared by the playbook loader tests: a stand-in for the module registry, and temp files. */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { closest } from '../../../core/util/suggest.js';
import { loadPlaybook, PlaybookError, type LoadOptions } from '../../../core/playbook/load.js';
import type { Playbook } from '../../../core/playbook/model.js';

export const MODULES = ['command', 'shell', 'raw', 'copy', 'file', 'template', 'debug', 'yum', 'service', 'user', 'lineinfile', 'set_fact', 'assert', 'fail', 'ping', 'stat'];
const FREE_FORM: Record<string, string> = { command: 'cmd', shell: 'cmd', raw: 'cmd' };
const short = (name: string) => name.replace(/^ansible\.(builtin|legacy)\./, '');

export const options: LoadOptions = {
  isModule: (name) => MODULES.includes(short(name)),
  suggestModules: (name) => {
    const hit = closest(short(name), MODULES);
    return hit ? [hit] : [];
  },
  freeFormOf: (name) => FREE_FORM[short(name)],
};

export const FIXTURES = new URL('../../fixtures/playbooks/', import.meta.url).pathname;

/** Write files (path → content) under a fresh temp directory; returns its path. */
export function tempTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'tsplay-pb-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

/** Load a playbook given as YAML text (plus optional side files). */
export async function loadText(yaml: string, files: Record<string, string> = {}, opts: Partial<LoadOptions> = {}): Promise<Playbook> {
  const root = tempTree({ 'site.yml': yaml, ...files });
  return loadPlaybook(join(root, 'site.yml'), { ...options, ...opts });
}

/** The PlaybookError a playbook text produces (fails the test when it loads fine). */
export async function errorsOf(yaml: string, files: Record<string, string> = {}, opts: Partial<LoadOptions> = {}): Promise<PlaybookError> {
  try {
    await loadText(yaml, files, opts);
  } catch (err) {
    if (err instanceof PlaybookError) return err;
    throw err;
  }
  throw new Error('expected a PlaybookError, but the playbook loaded');
}

/** `line:column: message` for each problem (file names vary with the temp directory). */
export function positions(err: PlaybookError): string[] {
  return err.problems.map((p) => `${p.line}:${p.column}: ${p.message}`);
}
