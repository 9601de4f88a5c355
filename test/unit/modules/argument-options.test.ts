/**
 * Argument values never become command options (issue 13, item 10): real commands on the
 * local transport, as root, in temporary directories. Each module is tested twice where it
 * can be: its schema or check refuses the value with a message naming the argument, and the
 * command it builds puts the value after `--` (the library call, bypassing the schema), so
 * `chown --reference=/etc/shadow` can no longer make a file root:shadow.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import blockinfile from '../../../modules/blockinfile.js';
import copy from '../../../modules/copy.js';
import file from '../../../modules/file.js';
import getUrl from '../../../modules/get_url.js';
import iniSet from '../../../modules/ini_set.js';
import lineinfile from '../../../modules/lineinfile.js';
import ovsBridge from '../../../modules/ovs_bridge.js';
import group from '../../../modules/group.js';
import reboot from '../../../modules/reboot.js';
import sysctl from '../../../modules/sysctl.js';
import template from '../../../modules/template.js';
import user from '../../../modules/user.js';
import waitFor from '../../../modules/wait_for.js';
import yum from '../../../modules/yum.js';
import { planScripts } from '../../../modules/_lib/apply-plan.js';
import { parseStatOutput, statCommands } from '../../../modules/_lib/path-state.js';
import { runModuleLocally } from '../../../core/testing/index.js';
import { LocalTransport } from '../../../core/transport/local.js';
import { writeFileAtomic } from '../../../core/transport/remote-shell.js';
import { quote } from '../../../core/transport/shell-quote.js';
import type { ExecOptions, ExecResult, Transport } from '../../../core/transport/transport.js';
import { RecordingTransport, removeDir, run, tempDir } from './general-helpers.js';

const HOSTILE_OWNER = '--reference=/etc/shadow';
const SHADOW_GID = statSync('/etc/shadow').gid;
const asRoot = process.getuid?.() === 0;

let dir: string;
beforeEach(() => {
  dir = tempDir('tsplay-argopt-');
});
afterEach(() => removeDir(dir));

/** A file owned by root:root, mode 0644: what a hostile owner must not change. */
function victim(name = 'victim'): string {
  const p = join(dir, name);
  writeFileSync(p, 'data\n');
  chmodSync(p, 0o644);
  return p;
}

const ownerOf = (p: string) => {
  const st = lstatSync(p);
  return { uid: st.uid, gid: st.gid, mode: (st.mode & 0o7777).toString(8) };
};

/** Local transport whose commands start in `cwd` (relative paths resolve there, not in the repo). */
class CwdTransport extends LocalTransport {
  constructor(private readonly cwd: string) {
    super('localhost');
  }
  override exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    return super.exec(`cd ${quote(this.cwd)} || exit 1\n${command}`, options);
  }
}

describe.skipIf(!asRoot || SHADOW_GID === 0)('owner and group are never options', () => {
  it('file: owner --reference=/etc/shadow fails the task and leaves the file root:root', async () => {
    const p = victim();
    for (const state of ['file', 'touch'] as const) {
      const r = await run(file, { path: p, state, owner: HOSTILE_OWNER });
      expect(r.failed).toBe(true);
      expect(r.msg).toMatch(/argument 'owner' must not start with '-' \(got "--reference=\/etc\/shadow"\): the command would read it as an option/);
      const g = await run(file, { path: p, state, group: HOSTILE_OWNER });
      expect(g.msg).toMatch(/argument 'group' must not start with '-'/);
    }
    expect(ownerOf(p)).toEqual({ uid: 0, gid: 0, mode: '644' });
    // A mode that is an option is no mode at all.
    const m = await run(file, { path: p, mode: HOSTILE_OWNER });
    expect(m.failed).toBe(true);
    expect(m.msg).toMatch(/neither an octal mode/);
    expect(ownerOf(p)).toEqual({ uid: 0, gid: 0, mode: '644' });
  });

  it('every module with owner/group refuses it (copy, template, lineinfile, blockinfile, ini_set, get_url)', async () => {
    const p = victim();
    const src = join(dir, 'src');
    writeFileSync(src, 'new\n');
    writeFileSync(join(dir, 't.j2'), 'templated\n');
    const cases: Array<[Parameters<typeof run>[0], Record<string, unknown>]> = [
      [copy, { content: 'new\n', dest: p }],
      [template, { src: join(dir, 't.j2'), dest: p }],
      [lineinfile, { path: p, line: 'added' }],
      [blockinfile, { path: p, block: 'added' }],
      [iniSet, { path: p, section: 's', option: 'o', value: 'v' }],
      [getUrl, { url: `file://${src}`, dest: p, force: true }],
    ];
    for (const [module, args] of cases) {
      for (const key of ['owner', 'group']) {
        const r = await run(module, { ...args, [key]: HOSTILE_OWNER });
        expect(r.failed, `${module.name} ${key}`).toBe(true);
        expect(r.msg, module.name).toMatch(new RegExp(`argument '${key}' must not start with '-'`));
      }
      // ':' would silently turn an owner into owner:group.
      expect((await run(module, { ...args, owner: 'root:shadow' })).failed, module.name).toBe(true);
    }
    expect(readFileSync(p, 'utf8')).toBe('data\n');
    expect(ownerOf(p)).toEqual({ uid: 0, gid: 0, mode: '644' });
  });

  // Below the schema: the commands themselves put the spec after `--`, so chown refuses it.
  it('apply-plan (copy, template, file, lineinfile...) runs chown -- SPEC', () => {
    const p = victim();
    for (const plan of [
      { attrs: [{ path: p, kind: 'file' as const, owner: HOSTILE_OWNER }] },
      { writes: [{ path: p, data: Buffer.from('new\n'), owner: HOSTILE_OWNER }] },
    ]) {
      const [batch] = planScripts(plan);
      expect(() => execFileSync('/bin/sh', ['-c', batch!.script], { input: batch!.stdin, stdio: 'pipe' })).toThrow(/invalid user: .--reference=\/etc\/shadow/);
    }
    expect(readFileSync(p, 'utf8')).toBe('data\n');
    expect(ownerOf(p)).toEqual({ uid: 0, gid: 0, mode: '644' });
  });

  it('the atomic write (ini_set, sysctl, ifcfg, selinux) runs chown -- SPEC', async () => {
    const p = victim();
    const t = new LocalTransport('localhost');
    await expect(writeFileAtomic(t, p, 'new\n', { owner: HOSTILE_OWNER })).rejects.toThrow(/invalid user: .--reference=\/etc\/shadow/);
    await expect(writeFileAtomic(t, p, 'new\n', { group: HOSTILE_OWNER.slice(1) })).rejects.toThrow(/invalid group/);
    expect(readFileSync(p, 'utf8')).toBe('data\n');
    expect(ownerOf(p)).toEqual({ uid: 0, gid: 0, mode: '644' });
  });

  it('with the schema out of the way, the commands themselves still refuse it', async () => {
    const p = victim();
    const link = join(dir, 'link');
    symlinkSync(p, link);
    const src = join(dir, 'src');
    writeFileSync(src, 'data\n');
    const ini = join(dir, 'conf.ini');
    writeFileSync(ini, '[s]\no = v\n');
    const cases: Array<[Parameters<typeof run>[0], Record<string, unknown>, string]> = [
      [file, { path: p, state: 'touch' }, p], // touch, then chown
      [file, { path: p, state: 'file' }, p], // apply-plan attributes
      [file, { path: link, src: p, state: 'link' }, link], // chown -h of the link itself
      [iniSet, { path: ini, section: 's', option: 'o', value: 'v' }, ini], // attributes of an unchanged file
      [iniSet, { path: ini, section: 's', option: 'o', value: 'w' }, ini], // the atomic write
      [getUrl, { url: `file://${src}`, dest: join(dir, 'fetched') }, dir], // the download script
    ];
    for (const [module, args, path] of cases) {
      const before = ownerOf(path);
      const r = await run(withoutPatterns(module), { ...args, owner: HOSTILE_OWNER });
      expect(r.failed, `${module.name} ${JSON.stringify(args)}`).toBe(true);
      expect(r.msg).toMatch(/invalid user: .--reference=\/etc\/shadow/);
      expect(ownerOf(path)).toEqual(before);
    }
    expect(existsSync(join(dir, 'fetched'))).toBe(false);
    expect(ownerOf(p)).toEqual({ uid: 0, gid: 0, mode: '644' });
  });
});

/** The module with every `pattern` dropped from its schema: what its commands do on their own. */
function withoutPatterns<M extends { schema: object }>(module: M): M {
  return { ...module, schema: JSON.parse(JSON.stringify(module.schema), (key, value) => (key === 'pattern' ? undefined : value)) };
}

describe('paths that start with -', () => {
  it('recurse lists the tree of a relative directory named like a find expression', () => {
    // Without ./ find would read '-empty' as its expression and list the current directory.
    mkdirSync(join(dir, '-empty', 'sub'), { recursive: true });
    writeFileSync(join(dir, '-empty', 'sub', 'f'), '');
    writeFileSync(join(dir, 'outside'), '');
    const o = { tree: true };
    const [script] = statCommands(['-empty'], o);
    const [s] = parseStatOutput(execFileSync('/bin/sh', ['-c', script!], { cwd: dir }), ['-empty'], o);
    expect(s!.kind).toBe('directory');
    expect(s!.tree!.map((e) => `${e.type} ${e.path}`).sort()).toEqual(['d -empty/sub', 'f -empty/sub/f']);
  });

  it('copy writes to a relative dest under a directory named -x (mktemp, validate)', async () => {
    mkdirSync(join(dir, '-x'));
    const t = new CwdTransport(dir);
    const r = await runModuleLocally(copy, { content: 'hello\n', dest: '-x/f', backup: true }, { transport: t });
    expect(r.failed, r.msg).toBe(false);
    expect(readFileSync(join(dir, '-x', 'f'), 'utf8')).toBe('hello\n');
    const again = await runModuleLocally(copy, { content: 'bye\n', dest: '-x/f', backup: true }, { transport: t });
    expect(again.failed, again.msg).toBe(false);
    expect(readFileSync(join(dir, String(again.backup_file)), 'utf8')).toBe('hello\n');
    // `validate` gets the temp file's name: ./-x/..., which cat does not take for options.
    const validated = await runModuleLocally(copy, { content: 'checked\n', dest: '-x/f', validate: 'cat %s' }, { transport: t });
    expect(validated.failed, validated.msg).toBe(false);
    expect(readFileSync(join(dir, '-x', 'f'), 'utf8')).toBe('checked\n');
    // The atomic write of ini_set/sysctl goes through remote-shell's script.
    const ini = await runModuleLocally(iniSet, { path: '-x/conf.ini', section: 's', option: 'o', value: 'v' }, { transport: t });
    expect(ini.failed, ini.msg).toBe(false);
    expect(readFileSync(join(dir, '-x', 'conf.ini'), 'utf8')).toContain('o = v');
  });
});

describe('names and hosts that cannot start with -', () => {
  it('user, group and sysctl refuse such names before running anything (their commands had -- already)', async () => {
    const t = new RecordingTransport();
    for (const [module, args, key] of [
      [user, { name: '-r' }, 'name'],
      [group, { name: '--help' }, 'name'],
    ] as const) {
      const r = await runModuleLocally(module, args, { transport: t });
      expect(r.failed).toBe(true);
      expect(r.msg).toMatch(new RegExp(`argument '${key}' must not start with '-'`));
    }
    const s = await runModuleLocally(sysctl, { name: '-a', value: '1' }, { transport: t });
    expect(s.msg).toMatch(/'-a' is not a sysctl key/);
    expect(t.commands).toEqual([]);
  });

  it('yum refuses a package name that is an option, before running anything', async () => {
    const t = new RecordingTransport();
    for (const name of [['--setopt=tsflags=test'], ['bash,--installroot=/tmp']]) {
      const r = await runModuleLocally(yum, { name }, { transport: t });
      expect(r.failed).toBe(true);
      expect(r.msg).toMatch(/argument 'name' must not start with '-' \(got "--(setopt|installroot)=.*"\): the command would read it as an option/);
    }
    expect(t.commands).toEqual([]);
    const root = await runModuleLocally(yum, { name: ['bash'], installroot: 'relative' }, { transport: t });
    expect(root.msg).toMatch(/argument 'installroot' must match pattern/);
  });

  it('wait_for refuses a host that is an option (nc -e...)', async () => {
    const r = await run(waitFor, { host: '-e/bin/sh', port: 1, timeout: 0 });
    expect(r.failed).toBe(true);
    expect(r.msg).toMatch(/argument 'host' must not start with '-' \(got "-e\/bin\/sh"\)/);
  });

  it('ovs_bridge refuses bridge, parent and port names that are options', async () => {
    for (const args of [{ bridge: '--may-exist' }, { bridge: 'br0', parent: '-x', vlan: 2 }, { bridge: 'br0', ports: ['--if-exists'] }, { bridge: 'br0', ports: [{ name: '-p' }] }]) {
      const r = await run(ovsBridge, args);
      expect(r.failed).toBe(true);
      expect(r.msg).toMatch(/name "-.*" must not contain spaces or '\/', nor start with '-'/);
    }
  });
});

/**
 * reboot's message is an operand of shutdown even when it starts with '-': the command the
 * module starts runs for real against a `shutdown` that parses its arguments with getopt
 * (as systemd's and sysvinit's do) and records them. PATH holds only the tools it needs, so
 * the real shutdown can never run.
 */
describe.skipIf(!existsSync('/usr/bin/getopt') || !existsSync('/usr/bin/setsid'))('reboot message', () => {
  it('a message like -c (cancel) stays the wall message', async () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const record = join(dir, 'shutdown-args');
    for (const tool of ['sh', 'sleep', 'setsid', 'getopt', 'mv']) symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(bin, tool));
    // Written aside and renamed: the record exists only once it is complete (the test polls for it).
    writeFileSync(join(bin, 'shutdown'), `#!${join(bin, 'sh')}\ngetopt -o HPrhkKat:fFc -l help,halt,poweroff,reboot,no-wall -- "$@" > ${quote(`${record}.part`)} && mv ${quote(`${record}.part`)} ${quote(record)}\n`, { mode: 0o755 });
    let issued = '';
    const host: Transport = {
      host: 'sim',
      connect: async () => {},
      close: async () => {},
      exec: async (command: string) => {
        if (command.includes('setsid')) {
          issued = command;
          return { rc: 0, stdout: 'started\n', stderr: '', stdoutBuffer: Buffer.from('started\n') };
        }
        // The boot id changes at once: the module's wait loop ends on its first look.
        const out = command.includes('boot_id') ? `${issued ? 'boot-2' : 'boot-1'}\n` : 'root\n';
        return { rc: 0, stdout: out, stderr: '', stdoutBuffer: Buffer.from(out) };
      },
    };
    const r = await runModuleLocally(reboot, { msg: '-c', reboot_timeout: 20, connect_timeout: 1 }, { transport: host });
    expect(r.failed, r.msg).toBe(false);
    const res = await new LocalTransport('localhost').exec(issued, { env: { PATH: bin } });
    expect(res.rc, res.stderr).toBe(0);
    for (let i = 0; i < 50 && !existsSync(record); i++) await new Promise((done) => setTimeout(done, 100));
    // getopt prints options, then --, then operands: -c is an operand, not the cancel option.
    expect(readFileSync(record, 'utf8').trim()).toBe("-r -- 'now' '-c'");
  }, 30_000);
});
