/**
 * Executable inventory scripts (plugins/inventory/script.py): run `SCRIPT --list`, read
 * the JSON it prints:
 *
 *   { "web": { "hosts": ["w1"], "vars": {...}, "children": ["x"] },
 *     "db": ["d1", "d2"],                       // a bare list is the hosts
 *     "_meta": { "hostvars": { "w1": {...} } } }
 *
 * When `_meta.hostvars` is missing, `SCRIPT --host NAME` is run for each host (a few at a
 * time), as Ansible does. A non-zero exit, bad JSON or a wrong shape is an error naming
 * the script; its stderr goes to the warning callback.
 */
import { execFile } from 'node:child_process';
import PQueue from 'p-queue';
import type { InventoryBuilder } from './builder.js';
import { InventoryError } from './errors.js';

export interface ScriptOptions {
  timeoutMs: number;
  warn: (message: string) => void;
}

const HOST_QUERY_CONCURRENCY = 8;

export async function loadInventoryScript(script: string, builder: InventoryBuilder, options: ScriptOptions): Promise<void> {
  const listed = await runScript(script, ['--list'], options);
  const data = parseJson(listed, script, '--list');
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new InventoryError(`inventory script output of --list must be a JSON object of groups, got ${kindOf(data)}`, { file: script });
  }
  const seenHosts: string[] = [];
  const seen = new Set<string>();
  let hostvars: Record<string, unknown> | undefined;
  for (const [group, groupData] of Object.entries(data as Record<string, unknown>)) {
    if (group === '_meta') {
      if (isObject(groupData) && 'hostvars' in groupData) {
        const hv = groupData['hostvars'];
        if (!isObject(hv)) throw new InventoryError(`_meta.hostvars must be an object of host names, got ${kindOf(hv)}`, { file: script });
        hostvars = hv;
      }
      continue;
    }
    for (const host of addGroup(group, groupData, builder, script)) {
      if (!seen.has(host)) {
        seen.add(host);
        seenHosts.push(host);
      }
    }
  }

  const varsOf = hostvars
    ? async (host: string) => hostvars[host] ?? {}
    : async (host: string) => {
        const out = await runScript(script, ['--host', host], options);
        return out.trim() === '' ? {} : parseJson(out, script, `--host ${host}`);
      };
  const queue = new PQueue({ concurrency: HOST_QUERY_CONCURRENCY });
  const results = await Promise.all(seenHosts.map((host) => queue.add(() => varsOf(host))));
  seenHosts.forEach((host, i) => {
    const vars = results[i];
    if (!isObject(vars)) throw new InventoryError(`variables of host '${host}' must be a JSON object, got ${kindOf(vars)}`, { file: script });
    for (const key of Object.keys(vars)) builder.setHostVar(host, key, vars[key]);
  });
}

/** One entry of the --list output; returns the hosts it names. */
function addGroup(name: string, raw: unknown, builder: InventoryBuilder, script: string): string[] {
  builder.addGroup(name, { file: script });
  let data: Record<string, unknown>;
  if (!isObject(raw)) data = { hosts: raw };
  else if (!('hosts' in raw) && !('vars' in raw) && !('children' in raw)) data = { hosts: [name], vars: raw }; // Ansible's legacy shorthand
  else data = raw;

  const hosts: string[] = [];
  if ('hosts' in data) {
    const list = data['hosts'];
    if (!Array.isArray(list) || list.some((h) => typeof h !== 'string' || h === '')) {
      throw new InventoryError(`group '${name}' has a bad host list: expected an array of host names, got ${JSON.stringify(list)}`, { file: script });
    }
    for (const host of list as string[]) {
      builder.addHost(host, name, undefined, { file: script });
      hosts.push(host);
    }
  }
  if ('vars' in data) {
    const vars = data['vars'];
    if (!isObject(vars)) throw new InventoryError(`group '${name}' has bad vars: expected an object, got ${kindOf(vars)}`, { file: script });
    for (const key of Object.keys(vars)) builder.setGroupVar(name, key, vars[key], { file: script });
  }
  if ('children' in data) {
    const children = data['children'];
    if (!Array.isArray(children) || children.some((c) => typeof c !== 'string' || c === '')) {
      throw new InventoryError(`group '${name}' has bad children: expected an array of group names, got ${JSON.stringify(children)}`, { file: script });
    }
    for (const child of children as string[]) {
      builder.addGroup(child, { file: script });
      builder.addChild(name, child, { file: script });
    }
  }
  return hosts;
}

function runScript(script: string, args: string[], options: ScriptOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(script, args, { timeout: options.timeoutMs, maxBuffer: 512 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      const command = `${script} ${args.join(' ')}`;
      if (error) {
        const e = error as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
        let why: string;
        if (e.killed) why = `was stopped after ${options.timeoutMs} ms`;
        else if (typeof e.code === 'number') why = `exited with status ${e.code}`;
        else why = `could not be run (${e.code ?? e.message}); is it executable, with a #! line?`;
        const err = stderr.trim();
        reject(new InventoryError(`inventory script ${command} ${why}${err ? `:\n${err}` : ''}`, { file: script }));
        return;
      }
      if (stderr.trim()) options.warn(`inventory script ${command} wrote to stderr:\n${stderr.trimEnd()}`);
      resolve(stdout);
    });
  });
}

function parseJson(text: string, script: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const snippet = text.length > 200 ? `${text.slice(0, 200)}...` : text;
    throw new InventoryError(`inventory script output of ${what} is not valid JSON (${(e as Error).message}): ${JSON.stringify(snippet)}`, { file: script });
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}
