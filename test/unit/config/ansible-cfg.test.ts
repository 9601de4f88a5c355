import { describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findAnsibleCfg, parseAnsibleCfg } from '../../../core/config/ansible-cfg.js';
import { resolveSettings } from '../../../core/config/settings.js';
import { applyConfig } from '../../../core/cli/run-config.js';
import type { RunFlags } from '../../../core/cli/program.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'tsplay-cfg-'));

describe('parseAnsibleCfg reads ansible.cfg as configparser does', () => {
  it('sections, = and :, comments, continuation lines, case-insensitive keys, a BOM', () => {
    const cfg = parseAnsibleCfg('\uFEFF# top\n[defaults]\nForks = 10\nremote_user: deploy\n; note\ninventory = a,\n  b\n\n[Privilege_Escalation]\nbecome=yes\n', '/x/ansible.cfg');
    const d = cfg.sections.get('defaults')!;
    expect(d.get('forks')).toEqual({ value: '10', line: 3 });
    expect(d.get('remote_user')!.value).toBe('deploy');
    expect(d.get('inventory')!.value).toBe('a,\nb');
    expect(cfg.sections.get('privilege_escalation')!.get('become')!.value).toBe('yes');
  });
  it('keeps an inline comment in the value, as configparser does', () => {
    expect(parseAnsibleCfg('[defaults]\nforks = 10 # many\n', 'f').sections.get('defaults')!.get('forks')!.value).toBe('10 # many');
  });
  it('names the line of a line that is not a setting, and of a setting before any section', () => {
    expect(() => parseAnsibleCfg('[defaults]\nforks\n', '/p/ansible.cfg')).toThrow(/\/p\/ansible\.cfg:2: not a setting/);
    expect(() => parseAnsibleCfg('forks = 3\n', '/p/ansible.cfg')).toThrow(/\/p\/ansible\.cfg:1: setting 'forks' before any \[section\]/);
  });
});

describe('findAnsibleCfg looks where Ansible looks, first found wins', () => {
  const setup = () => {
    const root = tmp();
    const cwd = join(root, 'project');
    const home = join(root, 'home');
    mkdirSync(cwd);
    mkdirSync(home);
    chmodSync(cwd, 0o755);
    return { root, cwd, home };
  };
  it('ANSIBLE_CONFIG (a file or a directory), then ./ansible.cfg, then ~/.ansible.cfg', () => {
    const { root, cwd, home } = setup();
    const warnings: string[] = [];
    const ctx = (env: NodeJS.ProcessEnv) => ({ env, cwd, home, warn: (m: string) => warnings.push(m) });
    expect(findAnsibleCfg(ctx({}))).toBe(existsEtc() ? '/etc/ansible/ansible.cfg' : undefined);
    writeFileSync(join(home, '.ansible.cfg'), '[defaults]\n');
    expect(findAnsibleCfg(ctx({}))).toBe(join(home, '.ansible.cfg'));
    writeFileSync(join(cwd, 'ansible.cfg'), '[defaults]\n');
    expect(findAnsibleCfg(ctx({}))).toBe(join(cwd, 'ansible.cfg'));
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'ansible.cfg'), '[defaults]\n');
    expect(findAnsibleCfg(ctx({ ANSIBLE_CONFIG: elsewhere }))).toBe(join(elsewhere, 'ansible.cfg'));
    expect(findAnsibleCfg(ctx({ ANSIBLE_CONFIG: join(elsewhere, 'ansible.cfg') }))).toBe(join(elsewhere, 'ansible.cfg'));
    expect(findAnsibleCfg(ctx({ ANSIBLE_CONFIG: join(root, 'nope.cfg') }))).toBe(join(cwd, 'ansible.cfg'));
    expect(warnings.join('\n')).toMatch(/ANSIBLE_CONFIG names .*nope\.cfg, which does not exist/);
  });
  it('skips ./ansible.cfg in a world-writable directory, with a warning', () => {
    const { cwd, home } = setup();
    writeFileSync(join(cwd, 'ansible.cfg'), '[defaults]\n');
    writeFileSync(join(home, '.ansible.cfg'), '[defaults]\n');
    chmodSync(cwd, 0o777);
    const warnings: string[] = [];
    expect(findAnsibleCfg({ env: {}, cwd, home, warn: (m) => warnings.push(m) })).toBe(join(home, '.ansible.cfg'));
    expect(warnings[0]).toMatch(/world writable directory/);
  });
});

const existsEtc = () => existsSync('/etc/ansible/ansible.cfg');

describe('resolveSettings: environment, else ansible.cfg, else the default, with origins', () => {
  const ctx = { env: {} as NodeJS.ProcessEnv, cwd: '/work', home: '/home/u' };
  const cfg = parseAnsibleCfg('[defaults]\nforks = 7\ninventory = hosts,/abs/inv\nroles_path = roles:~/r:$PROJ/x\nhost_key_checking = False\ngathering = smart\n', '/proj/ansible.cfg');

  it('takes ansible.cfg values, paths relative to its folder, ~ and $VARS expanded', () => {
    const c = resolveSettings(cfg, { ...ctx, env: { PROJ: '/p' } });
    expect(c.get('DEFAULT_FORKS')).toBe(7);
    expect(c.origin('DEFAULT_FORKS')).toBe('/proj/ansible.cfg');
    expect(c.get('DEFAULT_HOST_LIST')).toEqual(['/proj/hosts', '/abs/inv']);
    expect(c.get('DEFAULT_ROLES_PATH')).toEqual(['/proj/roles', '/home/u/r', '/p/x']);
    expect(c.get('HOST_KEY_CHECKING')).toBe(false);
    expect(c.get('DEFAULT_GATHERING')).toBe('smart');
    expect(c.origin('DEFAULT_REMOTE_USER')).toBe('default');
  });
  it('an environment variable wins over ansible.cfg; its relative paths are relative to the current directory', () => {
    const c = resolveSettings(cfg, { ...ctx, env: { ANSIBLE_FORKS: '3', ANSIBLE_INVENTORY: 'inv', TSPLAY_HOST_KEY_CHECKING: 'accept-new' } });
    expect(c.get('DEFAULT_FORKS')).toBe(3);
    expect(c.origin('DEFAULT_FORKS')).toBe('env: ANSIBLE_FORKS');
    expect(c.get('DEFAULT_HOST_LIST')).toEqual(['/work/inv']);
    expect(c.get('HOST_KEY_CHECKING')).toBe('accept-new');
  });
  it("reads Ansible's booleans", () => {
    for (const [raw, want] of [['yes', true], ['On', true], ['1', true], ['t', true], ['no', false], ['off', false], ['0', false], ['F', false]] as const) {
      expect(resolveSettings(undefined, { ...ctx, env: { ANSIBLE_BECOME: raw } }).get('DEFAULT_BECOME')).toBe(want);
    }
  });
  it('a bad value names the file and line, or the variable', () => {
    const bad = parseAnsibleCfg('[defaults]\n\nforks = 10 # many\n', '/proj/ansible.cfg');
    expect(() => resolveSettings(bad, ctx)).toThrow("/proj/ansible.cfg:3: [defaults] forks must be a whole number, not '10 # many'");
    expect(() => resolveSettings(undefined, { ...ctx, env: { ANSIBLE_GATHERING: 'sometimes' } })).toThrow('ANSIBLE_GATHERING=sometimes: DEFAULT_GATHERING must be one of implicit, explicit, smart');
    expect(() => resolveSettings(undefined, { ...ctx, env: { ANSIBLE_BECOME: 'maybe' } })).toThrow(/must be true or false/);
  });
  it('lists the settings of the file it does not use, with the reason when they are simply not needed', () => {
    const c = resolveSettings(parseAnsibleCfg('[defaults]\nstdout_callback = yaml\n[ssh_connection]\npipelining = True\n', '/a.cfg'), ctx);
    expect(c.unknown()).toEqual([
      { section: 'defaults', key: 'stdout_callback', line: 2 },
      { section: 'ssh_connection', key: 'pipelining', line: 4, why: expect.stringMatching(/one persistent connection/) },
    ]);
  });
});

describe('applyConfig: a typed flag wins, else the setting', () => {
  const flags = (over: Partial<RunFlags> = {}): RunFlags =>
    ({ inventory: [], extraVars: [], tags: [], skipTags: [], check: false, diff: false, forks: 25, become: false, askBecomePass: false, askPass: false, verbose: 0, listHosts: false, listTasks: false, listTags: false, syntaxCheck: false, modulePath: [], json: false, vaultId: [], vaultPasswordFile: [], askVaultPass: false, ...over }) as RunFlags;
  const cfg = parseAnsibleCfg('[defaults]\nforks = 7\ninventory = inv\nremote_user = deploy\nvault_password_file = .vault\nretry_files_enabled = true\nnocolor = 1\nforce_handlers = yes\n[privilege_escalation]\nbecome = true\nbecome_user = app\n', '/proj/ansible.cfg');
  const config = resolveSettings(cfg, { env: {}, cwd: '/work', home: '/h' });

  it('fills what the command line left out', () => {
    const s = applyConfig(flags(), () => 'default', config);
    expect(s.flags.forks).toBe(7);
    expect(s.flags.inventory).toEqual(['/proj/inv']);
    expect(s.flags.user).toBe('deploy');
    expect(s.flags.become).toBe(true);
    expect(s.flags.becomeUser).toBe('app');
    expect(s.flags.vaultPasswordFile).toEqual(['/proj/.vault']);
    expect(s.retryFiles).toEqual({});
    expect(s.colour).toBe(false);
    expect(s.flags.forceHandlers).toBe(true);
  });
  it('force_handlers from ANSIBLE_FORCE_HANDLERS, over ansible.cfg', () => {
    const fromEnv = resolveSettings(cfg, { env: { ANSIBLE_FORCE_HANDLERS: 'false' }, cwd: '/work', home: '/h' });
    expect(applyConfig(flags(), () => 'default', fromEnv).flags.forceHandlers).toBe(false);
    expect(fromEnv.origin('DEFAULT_FORCE_HANDLERS')).toBe('env: ANSIBLE_FORCE_HANDLERS');
    // --force-handlers typed on the command line wins.
    expect(applyConfig(flags({ forceHandlers: true }), (k) => (k === 'forceHandlers' ? 'cli' : 'default'), fromEnv).flags.forceHandlers).toBe(true);
  });
  it('keeps what the user typed', () => {
    const typed = new Set(['forks', 'become']);
    const s = applyConfig(flags({ forks: 2, become: false, inventory: ['x'], user: 'me' }), (k) => (typed.has(k) ? 'cli' : 'default'), config);
    expect(s.flags.forks).toBe(2);
    expect(s.flags.become).toBe(false);
    expect(s.flags.inventory).toEqual(['x']);
    expect(s.flags.user).toBe('me');
  });
});
