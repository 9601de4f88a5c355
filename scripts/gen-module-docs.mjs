#!/usr/bin/env node
// Writes docs/modules/<name>.md from each module's own `docs` and JSON Schema, so the pages
// cannot drift from the code. The module sources are TypeScript: esbuild (already a
// dependency) bundles each one in memory, no build needed.
//
//   node scripts/gen-module-docs.mjs              # the general built-ins (ping, copy, file...)
//   node scripts/gen-module-docs.mjs copy file    # just these
//   node scripts/gen-module-docs.mjs --all        # every module in modules/
//   node scripts/gen-module-docs.mjs --check      # exit 1 if a page is out of date
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const GENERAL = ['ping', 'command', 'shell', 'raw', 'copy', 'template', 'file', 'lineinfile', 'blockinfile', 'slurp', 'stat', 'debug', 'assert', 'fail', 'set_fact', 'setup', 'meta', 'warn', 'replace', 'find', 'fetch', 'uri', 'hostname', 'cron', 'mount', 'authorized_key', 'known_hosts', 'pause', 'unarchive', 'archive'];

async function loadModule(name) {
  const entry = join(repo, 'modules', `${name}.ts`);
  if (!existsSync(entry)) throw new Error(`no module file ${entry}`);
  const out = await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', write: false, packages: 'external', logLevel: 'silent' });
  // Import the bundle from a file URL inside the repo so its bare imports resolve to node_modules.
  const code = out.outputFiles[0].text;
  const tmp = join(repo, 'node_modules', '.cache', 'tsplay-docs');
  mkdirSync(tmp, { recursive: true });
  const file = join(tmp, `${name}.mjs`);
  writeFileSync(file, code);
  return (await import(`${pathToFileURL(file).href}?t=${Date.now()}`)).default;
}

const cell = (text) => String(text ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');

function typeOf(schema) {
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(', ');
  const t = schema.type;
  if (Array.isArray(t)) return t.join(' | ');
  if (t === 'array' && schema.items?.type) return `list of ${[].concat(schema.items.type).join('/')}`;
  return t ?? 'any';
}

export function renderDoc(def) {
  const d = def.docs;
  const props = def.schema.properties ?? {};
  const required = new Set(def.schema.required ?? []);
  const aliasesOf = {};
  for (const [key, s] of Object.entries(props)) {
    const m = /^Alias of '([^']+)'\.$/.exec(s.description ?? '');
    if (m) (aliasesOf[m[1]] ??= []).push(key);
  }
  const lines = [
    `# ${def.name}`,
    '',
    `> ${d.short}`,
    '',
    `<!-- Generated from modules/${def.name}.ts by scripts/gen-module-docs.mjs: edit the module's docs, then re-run it. -->`,
    '',
  ];
  // A module Ansible does not have answers to no ansible.builtin name (ModuleDefinition.tsplayOnly).
  const otherNames = [...(def.tsplayOnly ? [] : [`ansible.builtin.${def.name}`]), ...(def.aliases ?? [])];
  if (otherNames.length) lines.push(`Also available as ${otherNames.map((a) => `\`${a}\``).join(', ')}.`);
  const traits = [];
  if (def.controllerOnly) traits.push('runs in the controller only (no connection to the host)');
  if (def.freeForm) traits.push(`takes free-form text as \`${def.freeForm}\` (\`${def.name}: ...\`)`);
  if (def.supportsCheckMode === false) traits.push('is reported skipped in check mode (its effect cannot be predicted)');
  if (traits.length) lines.push(`This module ${traits.join('; ')}.`);
  if (d.description) lines.push('', d.description);
  lines.push('', '## Arguments', '');
  const rows = Object.entries(props).filter(([, s]) => !/^Alias of '/.test(s.description ?? ''));
  if (def.schema.additionalProperties !== false) lines.push('Any other key is accepted (see the description).', '');
  if (rows.length) {
    lines.push('| argument | type / choices | default | description |', '| --- | --- | --- | --- |');
    for (const [key, s] of rows) {
      const names = [key, ...(aliasesOf[key] ?? [])].map((n) => `\`${n}\``).join(', ');
      const dflt = s.default === undefined ? (required.has(key) ? '**required**' : '') : `\`${JSON.stringify(s.default)}\``;
      lines.push(`| ${names} | ${cell(typeOf(s))} | ${cell(dflt)} | ${cell(s.description)} |`);
    }
  }
  lines.push('', '## Examples', '', '```yaml', d.examples.trimEnd(), '```');
  if (d.returns && Object.keys(d.returns).length) {
    lines.push('', '## Return values', '', '| key | description |', '| --- | --- |');
    for (const [k, v] of Object.entries(d.returns)) lines.push(`| \`${k}\` | ${cell(v)} |`);
  }
  if (d.notes?.length) lines.push('', '## Notes', '', ...d.notes.map((n) => `- ${n}`));
  return `${lines.join('\n')}\n`;
}

async function main(argv) {
  const check = argv.includes('--check');
  const names = argv.includes('--all')
    ? readdirSync(join(repo, 'modules')).filter((f) => f.endsWith('.ts') && !f.startsWith('_')).map((f) => f.slice(0, -3))
    : argv.filter((a) => !a.startsWith('--')).length
      ? argv.filter((a) => !a.startsWith('--'))
      : GENERAL;
  const outDir = join(repo, 'docs', 'modules');
  mkdirSync(outDir, { recursive: true });
  const stale = [];
  for (const name of names) {
    const text = renderDoc(await loadModule(name));
    const target = join(outDir, `${name}.md`);
    if (check) {
      if (!existsSync(target) || readFileSync(target, 'utf8') !== text) stale.push(target);
    } else writeFileSync(target, text);
  }
  if (check && stale.length) {
    console.error(`out of date (run node scripts/gen-module-docs.mjs):\n${stale.join('\n')}`);
    return 1;
  }
  if (!check) console.log(`wrote ${names.length} page(s) to docs/modules/`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err) => {
      console.error(`gen-module-docs: ${err.message}`);
      process.exitCode = 1;
    },
  );
}
