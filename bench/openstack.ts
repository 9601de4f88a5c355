/**
 * The OpenStack modules side by side with Ansible's openstack.cloud collection on the lab
 * cloud (`lab.sh up --openstack`): the same playbook, first run and idempotent run.
 *
 *   npm run build && node dist/bench/openstack.js [--runs 3] [--items 5]
 *
 * Workload `snapshots`: openstack.cloud.volume_snapshot, one loop of N snapshots of one
 * volume (type fake), run by ansible-playbook (Debian's ansible 7.7 = openstack.cloud 1.10.0,
 * python3-openstacksdk 0.101.0) and by tsplay (cinder_snapshot under the same name).
 * Workload `images`: openstack.cloud.image with N images from one file.
 *
 * Debian's openstack.cloud 1.10.0 does not run as shipped with Debian's openstacksdk 0.101.0;
 * the benchmark runs Ansible from a copy of the collection (written into the temporary
 * directory; the system's copy is not touched) with two patches, both stated in the results:
 *  - its openstacksdk version ceiling raised from 0.98.999 (every task fails without it);
 *  - its image module passing `protected` to the SDK under the SDK's own name `is_protected`.
 *    The SDK sends unknown keyword arguments as image properties converted to strings, and
 *    keeps booleans only for the keys it knows (`is_protected`, `tags`), so `protected=False`
 *    became `"protected": "False"`, which Glance refuses with a 400 on create and update.
 *    The module always sends it (its default is false; `protected: null` is sent as null, also
 *    a 400), so no task argument avoids it.
 * Both tools read clouds.yaml/secure.yaml through OS_CLIENT_CONFIG_FILE/OS_CLIENT_SECURE_FILE.
 * Between runs every snapshot/image the workload made is deleted through the API directly.
 * Writes bench/results/<date>-openstack.{json,md}.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { parse } from 'yaml';
import { measure, removeControllerGroups } from './lib/measure.js';
import { fmt, ratio, summarize, type Summary } from './lib/stats.js';
import { parseRecap } from './lib/tools.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const LAB = join(REPO, 'inventories', 'lab');
const VOLUME = 'tsplay-bench-vol';
const PREFIX = 'tsplay-bench-';
const IMAGE_URL = 'http://198.18.0.5:8080/cirros-0.3.3-x86_64-disk.img';
const SYSTEM_COLLECTION = '/usr/lib/python3/dist-packages/ansible_collections/openstack/cloud';

type Tool = 'tsplay' | 'ansible';
type Workload = 'snapshots' | 'images';
type Phase = 'first' | 'second';
interface Row {
  workload: Workload;
  tool: Tool;
  phase: Phase;
  run: number;
  wallS: number;
  cpuS: number | null;
  changed: number;
  failed: number;
}

function log(msg: string): void {
  process.stderr.write(`[bench openstack ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** The admin API, straight (fetch), for set-up and clean-up between runs. */
async function adminApi(): Promise<{ call(method: string, url: string, body?: unknown): Promise<any>; image: string; volume: string }> {
  const auth = { ...parse(readFileSync(join(LAB, 'clouds.yaml'), 'utf8')).clouds.lab.auth, ...parse(readFileSync(join(LAB, 'secure.yaml'), 'utf8')).clouds.lab.auth };
  const r = await fetch(`${auth.auth_url}/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: auth.username, domain: { name: auth.user_domain_name }, password: auth.password } } },
        scope: { project: { name: auth.project_name, domain: { name: auth.project_domain_name } } },
      },
    }),
  });
  if (r.status !== 201) throw new Error(`keystone answered ${r.status}: is the lab cloud up (lab.sh up --openstack)?`);
  const token = r.headers.get('x-subject-token')!;
  const catalog = ((await r.json()) as any).token.catalog as any[];
  const url = (type: string) => String(catalog.find((c) => c.type === type).endpoints.find((e: any) => e.interface === 'public').url);
  const call = async (method: string, u: string, body?: unknown) => {
    const res = await fetch(u, {
      method,
      headers: { 'X-Auth-Token': token, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    return text ? JSON.parse(text) : {};
  };
  return { call, image: url('image'), volume: url('volumev3') };
}

type Api = Awaited<ReturnType<typeof adminApi>>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ensureVolume(api: Api): Promise<string> {
  const have = await api.call('GET', `${api.volume}/volumes/detail?name=${VOLUME}`);
  if (have.volumes.length) return have.volumes[0].id;
  const made = await api.call('POST', `${api.volume}/volumes`, { volume: { name: VOLUME, size: 1, volume_type: 'fake' } });
  for (let i = 0; i < 60; i++) {
    if ((await api.call('GET', `${api.volume}/volumes/${made.volume.id}`)).volume.status === 'available') return made.volume.id;
    await sleep(1000);
  }
  throw new Error(`volume ${VOLUME} did not become available`);
}

/** A listing, retried while a busy cloud answers with an error instead (up to a minute). */
async function list(api: Api, url: string, key: string): Promise<any[]> {
  let last: unknown;
  for (let i = 0; i < 12; i++) {
    last = await api.call('GET', url).catch((e: Error) => e.message);
    const items = (last as Record<string, unknown>)?.[key];
    if (Array.isArray(items)) return items;
    await sleep(5000);
  }
  throw new Error(`GET ${url} did not list ${key}: ${JSON.stringify(last).slice(0, 300)}`);
}

/** Delete what a workload made, and wait until it is gone. */
async function clean(api: Api, volumeId: string): Promise<void> {
  const snapshotsUrl = `${api.volume}/snapshots/detail?volume_id=${volumeId}`;
  for (const s of await list(api, snapshotsUrl, 'snapshots')) await api.call('DELETE', `${api.volume}/snapshots/${s.id}`);
  const images = (await list(api, `${api.image}/v2/images?limit=1000`, 'images')).filter((i) => String(i.name ?? '').startsWith(PREFIX));
  for (const i of images) await api.call('DELETE', `${api.image}/v2/images/${i.id}`);
  for (let i = 0; i < 120; i++) {
    if ((await list(api, snapshotsUrl, 'snapshots')).length === 0) return;
    await sleep(1000);
  }
  throw new Error('snapshots of the benchmark volume were not deleted within 120 s');
}

function playbook(dir: string, workload: Workload, items: number, imageFile: string): string {
  const list = `[${Array.from({ length: items }, (_, i) => i + 1).join(', ')}]`;
  const task =
    workload === 'snapshots'
      ? `    - name: snapshots\n      openstack.cloud.volume_snapshot:\n        cloud: lab\n        volume: ${VOLUME}\n        display_name: "${PREFIX}snap-{{ item }}"\n      loop: ${list}\n`
      : `    - name: images\n      openstack.cloud.image:\n        cloud: lab\n        name: "${PREFIX}img-{{ item }}"\n        filename: ${imageFile}\n        disk_format: qcow2\n        container_format: bare\n        is_public: false\n      loop: ${list}\n`;
  const file = join(dir, `${workload}.yml`);
  writeFileSync(file, `- hosts: localhost\n  gather_facts: false\n  tasks:\n${task}`);
  return file;
}

/** Replace exactly `count` occurrences of `from` in `file`, or fail saying the file is not as expected. */
function patchFile(file: string, from: string, to: string, count: number): void {
  const text = readFileSync(file, 'utf8');
  const found = text.split(from).length - 1;
  if (found !== count) throw new Error(`${file}: expected ${count} occurrence(s) of ${JSON.stringify(from)}, found ${found}: not the collection this benchmark patches`);
  writeFileSync(file, text.split(from).join(to));
}

/** Debian's collection with the two patches of the header comment, in `dir`. */
function patchedCollection(dir: string): string {
  const root = join(dir, 'collections');
  const target = join(root, 'ansible_collections', 'openstack', 'cloud');
  cpSync(SYSTEM_COLLECTION, target, { recursive: true });
  patchFile(join(target, 'plugins', 'module_utils', 'openstack.py'), "MAXIMUM_SDK_VERSION = '0.98.999'", "MAXIMUM_SDK_VERSION = '0.101.999'", 1);
  patchFile(join(target, 'plugins', 'modules', 'image.py'), "protected=self.params['protected'],", "is_protected=self.params['protected'],", 2);
  return root;
}

function versions(): Record<string, string> {
  const out = (cmd: string, args: string[]) => (spawnSync(cmd, args, { encoding: 'utf8' }).stdout ?? '').trim();
  return {
    ansible: out('ansible-playbook', ['--version']).split('\n')[0] ?? '',
    collection: out('ansible-galaxy', ['collection', 'list', 'openstack.cloud']).split('\n').find((l) => l.startsWith('openstack.cloud')) ?? '',
    openstacksdk: out('dpkg-query', ['-W', '-f=${Version}', 'python3-openstacksdk']),
    tsplay: out('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD']),
  };
}

async function main(): Promise<void> {
  const positive = (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive whole number');
    return n;
  };
  const opts = new Command().option('--runs <n>', 'repetitions', positive, 3).option('--items <n>', 'loop items per task', positive, 5).parse().opts<{ runs: number; items: number }>();
  for (const f of ['clouds.yaml', 'secure.yaml']) if (!existsSync(join(LAB, f))) throw new Error(`${join(LAB, f)} is missing: bring the lab cloud up (lab.sh up --openstack)`);
  if (spawnSync('ansible-playbook', ['--version']).status !== 0 || !existsSync(SYSTEM_COLLECTION)) {
    throw new Error("Debian's ansible and python3-openstacksdk are needed: apt-get install ansible python3-openstacksdk");
  }
  const loadAtStart = loadavg().map((l) => l.toFixed(2)).join(', ');
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-bench-openstack-'));
  const api = await adminApi();
  const volumeId = await ensureVolume(api);
  const imageFile = join(dir, 'cirros.img');
  writeFileSync(imageFile, Buffer.from(await (await fetch(IMAGE_URL)).arrayBuffer()));
  const inventory = join(dir, 'hosts.ini');
  writeFileSync(inventory, 'localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n');
  const collections = patchedCollection(dir);
  const env = {
    ...process.env,
    OS_CLIENT_CONFIG_FILE: join(LAB, 'clouds.yaml'),
    OS_CLIENT_SECURE_FILE: join(LAB, 'secure.yaml'),
    NO_COLOR: '1',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_COLLECTIONS_PATH: collections,
    ANSIBLE_HOST_KEY_CHECKING: 'False',
  };
  const command = (tool: Tool, pb: string) =>
    tool === 'tsplay' ? [process.execPath, join(REPO, 'bin', 'tsplay.js'), 'run', pb, '-i', inventory] : ['ansible-playbook', pb, '-i', inventory];

  const rows: Row[] = [];
  const notes: string[] = [];
  const plan: Array<[Workload, Tool[]]> = [
    ['snapshots', ['tsplay', 'ansible']],
    ['images', ['tsplay', 'ansible']],
  ];
  for (const [workload, tools] of plan) {
    const pb = playbook(dir, workload, opts.items, imageFile);
    for (let run = 1; run <= opts.runs; run++) {
      // Alternate which tool goes first, so a drift of the cloud's speed hits both alike.
      const order = run % 2 ? tools : [...tools].reverse();
      for (const tool of order) {
        // A tool that failed both phases of the first run cannot do this workload (Ansible's
        // image module with Debian's openstacksdk): that run is the record, no need to repeat it.
        const firstRun = rows.filter((r) => r.workload === workload && r.tool === tool && r.run === 1);
        if (firstRun.length === 2 && firstRun.every((r) => r.failed > 0)) continue;
        await clean(api, volumeId);
        for (const phase of ['first', 'second'] as const) {
          const m = await measure(command(tool, pb), { cwd: dir, env, timeoutS: 900 });
          const recap = parseRecap(m.stdout);
          rows.push({ workload, tool, phase, run, wallS: m.wallS, cpuS: m.cpuS, changed: recap.changed, failed: recap.failed });
          log(`${workload} ${tool} ${phase} #${run}: ${m.wallS.toFixed(2)} s, changed=${recap.changed} failed=${recap.failed}`);
          if (recap.failed > 0) {
            // Ansible prints `fatal: [h]: FAILED! => {...}` or, in a loop, `failed: [h] (item=1) => {...}`.
            const why = (m.stdout.match(/"msg": "((?:[^"\\]|\\.){0,300})/)?.[1] ?? m.stdout.match(/FAILED! => (.*)/)?.[1] ?? m.stderr).slice(0, 300);
            const note = `${workload}/${tool}/${phase}: failed: ${why}`;
            log(note);
            if (!notes.includes(note)) notes.push(note);
          }
        }
      }
    }
  }
  await clean(api, volumeId);
  removeControllerGroups();
  rmSync(dir, { recursive: true, force: true });

  const cell = (w: Workload, t: Tool, p: Phase, of: 'wallS' | 'cpuS' = 'wallS'): Summary | null => {
    const ok = rows.filter((r) => r.workload === w && r.tool === t && r.phase === p && r.failed === 0);
    return summarize(ok.map((r) => r[of] ?? NaN));
  };
  const lines = [
    `# OpenStack modules: tsplay vs ansible-playbook (${new Date().toISOString().slice(0, 16)} UTC)`,
    '',
    `${opts.items} loop items per task, ${opts.runs} runs each, wall seconds (median, min-max), failed runs excluded.`,
    '',
    '| workload | phase | tsplay | ansible-playbook | ansible / tsplay |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const [w] of plan) {
    for (const p of ['first', 'second'] as const) {
      const t = cell(w, 'tsplay', p);
      const a = cell(w, 'ansible', p);
      const x = ratio(a, t);
      lines.push(`| ${w} | ${p === 'first' ? 'first run' : 'idempotent run'} | ${fmt(t)} | ${fmt(a)} | ${x ? `${x.toFixed(1)}x` : '-'} |`);
    }
  }
  // Wall time on a shared machine drifts with its load; the controller's CPU (user + sys of the
  // tool's process tree) does not, so it is reported beside it.
  lines.push('', 'Controller CPU seconds (user + sys of the whole process tree), same runs:', '', '| workload | phase | tsplay | ansible-playbook | ansible / tsplay |', '| --- | --- | --- | --- | --- |');
  for (const [w] of plan) {
    for (const p of ['first', 'second'] as const) {
      const t = cell(w, 'tsplay', p, 'cpuS');
      const a = cell(w, 'ansible', p, 'cpuS');
      const x = ratio(a, t);
      lines.push(`| ${w} | ${p === 'first' ? 'first run' : 'idempotent run'} | ${fmt(t)} | ${fmt(a)} | ${x ? `${x.toFixed(1)}x` : '-'} |`);
    }
  }
  lines.push('', `Load average (1, 5, 15 min) at the start: ${loadAtStart}; at the end: ${loadavg().map((l) => l.toFixed(2)).join(', ')} (${cpus().length} CPUs).`);
  const v = versions();
  lines.push('', `Versions: ${v.ansible}; ${v.collection}; openstacksdk ${v.openstacksdk}; tsplay ${v.tsplay}.`);
  lines.push(
    '',
    "Ansible ran from a copy of Debian's openstack.cloud 1.10.0 with two patches (the system's copy untouched):",
    "- plugins/module_utils/openstack.py: `MAXIMUM_SDK_VERSION = '0.98.999'` -> `'0.101.999'` (Debian ships openstacksdk 0.101.0; unpatched, every task fails with 'Incompatible openstacksdk library found').",
    "- plugins/modules/image.py, both calls (`create_image`, `update_image_properties`): `protected=self.params['protected']` -> `is_protected=self.params['protected']`. openstacksdk 0.101 turns keyword arguments it does not know into image properties converted to strings (`_make_v2_image_params`; only `is_protected` and `tags` stay as they are), so `protected=False` went to Glance as `\"protected\": \"False\"` and every create and update failed with `400: 'False' is not of type 'boolean'`. The module always sends it (default false; `protected: null` goes as null, also a 400), so no task argument avoids it.",
  );
  if (notes.length) lines.push('', 'Failures:', ...notes.map((n) => `- ${n}`));
  const stamp = new Date().toISOString().slice(0, 16).replace(':', '');
  const base = join(REPO, 'bench', 'results', `${stamp}-openstack`);
  writeFileSync(`${base}.json`, JSON.stringify({ items: opts.items, runs: opts.runs, versions: v, loadAtStart, loadAtEnd: loadavg(), rows, notes }, null, 2));
  writeFileSync(`${base}.md`, `${lines.join('\n')}\n`);
  process.stdout.write(`${lines.join('\n')}\n\nwritten: ${base}.{json,md}\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`bench openstack: ${err.message}\n`);
  process.exitCode = 1;
});
