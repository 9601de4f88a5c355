/**
 * Interoperability with Debian's ansible-core, both directions: files and encrypt_string
 * values made by `ansible-vault` (1.1, and 1.2 with vault ids) open in tsplay, and what
 * tsplay writes opens in `ansible-vault` and in an `ansible` run. Skipped only on a
 * developer machine without ansible-vault; in CI (CI=true) a missing ansible-vault fails.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, ensureBuilt } from './project-helper.js';

const hasAnsible = spawnSync('ansible-vault', ['--version'], { encoding: 'utf8' }).status === 0;
const inCi = process.env.CI === 'true';

function run(cmd: string, args: string[], cwd: string, input = ''): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', input, env: { ...process.env, NO_COLOR: '1', ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCALHOST_WARNING: 'false' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
const tsplay = (cwd: string, args: string[], input = '') => run(process.execPath, [cli, ...args], cwd, input);
const ansibleVault = (cwd: string, args: string[], input = '') => run('ansible-vault', args, cwd, input);

function workdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-vault-interop-'));
  writeFileSync(join(dir, 'a.pass'), 'interop-alpha\n');
  writeFileSync(join(dir, 'b.pass'), 'interop-bravo\n');
  return dir;
}

const PLAINTEXT = 'db_password: "Sekrit \\u00e9 42"\nlist: [1, 2]\nmultiline: |\n  one\n  two\n';

// ansible-vault and ansible start slowly (about a second each): allow for a busy CI machine.
describe.skipIf(!hasAnsible && !inCi)('vault interop with ansible-vault', { timeout: 120_000 }, () => {
  beforeAll(() => {
    if (!hasAnsible) throw new Error('CI=true but ansible-vault is not installed (apt-get install ansible-core; .ci/run installs it)');
    ensureBuilt();
  });

  it('ansible-vault files (1.1, and 1.2 with ids) decrypt in tsplay', () => {
    const dir = workdir();
    writeFileSync(join(dir, 'v11.yml'), PLAINTEXT);
    writeFileSync(join(dir, 'v12.yml'), PLAINTEXT);
    expect(ansibleVault(dir, ['encrypt', 'v11.yml', '--vault-password-file', 'a.pass']).code).toBe(0);
    expect(ansibleVault(dir, ['encrypt', 'v12.yml', '--vault-id', 'prod@b.pass']).code).toBe(0);
    expect(readFileSync(join(dir, 'v12.yml'), 'utf8').split('\n')[0]).toBe('$ANSIBLE_VAULT;1.2;AES256;prod');
    expect(tsplay(dir, ['vault', 'view', 'v11.yml', '--vault-password-file', 'a.pass']).stdout).toBe(PLAINTEXT);
    // the matching id is found whatever the order of the secrets
    expect(tsplay(dir, ['vault', 'view', 'v12.yml', '--vault-id', 'dev@a.pass', '--vault-id', 'prod@b.pass']).stdout).toBe(PLAINTEXT);
    expect(tsplay(dir, ['vault', 'view', 'v12.yml', '--vault-password-file', 'a.pass']).stderr).toMatch(/no vault secret for vault id 'prod'/);
    const piped = ansibleVault(dir, ['encrypt', '--vault-password-file', 'a.pass', '--output', '-'], 'binary \u0000\u00ff tail');
    expect(tsplay(dir, ['vault', 'decrypt', '--vault-password-file', 'a.pass'], piped.stdout).stdout).toBe('binary \u0000\u00ff tail');
  });

  it('ansible-vault encrypt_string values decrypt in a tsplay run', () => {
    const dir = workdir();
    const a = ansibleVault(dir, ['encrypt_string', '--vault-password-file', 'a.pass', '--name', 'plain_id', 'value-one']);
    const b = ansibleVault(dir, ['encrypt_string', '--vault-id', 'prod@b.pass', '--name', 'prod_id', 'value-two']);
    expect(a.code, a.stderr).toBe(0);
    expect(b.stdout).toContain('$ANSIBLE_VAULT;1.2;AES256;prod');
    writeFileSync(join(dir, 'vars.yml'), `${a.stdout}\n${b.stdout}\n`);
    writeFileSync(join(dir, 'play.yml'), '- hosts: localhost\n  gather_facts: false\n  vars_files: [vars.yml]\n  tasks:\n    - copy: content="{{ plain_id }}/{{ prod_id }}" dest={{ playbook_dir }}/out.txt\n');
    const r = tsplay(dir, ['run', 'play.yml', '-i', 'localhost,', '-c', 'local', '--vault-id', 'prod@b.pass', '--vault-password-file', 'a.pass']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('value-one/value-two');
  });

  it('tsplay files (1.1, and 1.2 with an id) decrypt in ansible-vault', () => {
    const dir = workdir();
    writeFileSync(join(dir, 't11.yml'), PLAINTEXT);
    writeFileSync(join(dir, 't12.yml'), PLAINTEXT);
    expect(tsplay(dir, ['vault', 'encrypt', 't11.yml', '--vault-password-file', 'a.pass']).code).toBe(0);
    expect(tsplay(dir, ['vault', 'encrypt', 't12.yml', '--vault-id', 'lab@b.pass']).code).toBe(0);
    expect(ansibleVault(dir, ['view', 't11.yml', '--vault-password-file', 'a.pass']).stdout).toBe(PLAINTEXT);
    expect(ansibleVault(dir, ['view', 't12.yml', '--vault-id', 'lab@b.pass']).stdout).toBe(PLAINTEXT);
    // rekeyed and edited by tsplay: still ansible-vault's format
    expect(tsplay(dir, ['vault', 'rekey', 't11.yml', '--vault-password-file', 'a.pass', '--new-vault-id', 'next@b.pass']).code).toBe(0);
    expect(ansibleVault(dir, ['view', 't11.yml', '--vault-id', 'next@b.pass']).stdout).toBe(PLAINTEXT);
    writeFileSync(join(dir, 'editor.sh'), '#!/bin/sh\necho "added: by tsplay edit" >> "$1"\n', { mode: 0o755 });
    const edit = spawnSync(process.execPath, [cli, 'vault', 'edit', 't12.yml', '--vault-id', 'lab@b.pass'], { cwd: dir, encoding: 'utf8', env: { ...process.env, EDITOR: join(dir, 'editor.sh') } });
    expect(edit.status, edit.stderr).toBe(0);
    expect(ansibleVault(dir, ['view', 't12.yml', '--vault-id', 'lab@b.pass']).stdout).toBe(`${PLAINTEXT}added: by tsplay edit\n`);
  });

  it('tsplay encrypt_string values decrypt in an ansible run', () => {
    const dir = workdir();
    const one = tsplay(dir, ['vault', 'encrypt_string', '--vault-password-file', 'a.pass', '--name', 'one', 'first value']);
    const two = tsplay(dir, ['vault', 'encrypt_string', '--vault-id', 'lab@b.pass', '--stdin-name', 'two'], 'second\nvalue');
    expect(one.code, one.stderr).toBe(0);
    writeFileSync(join(dir, 'vars.yml'), one.stdout + two.stdout);
    const r = run('ansible', ['localhost', '-c', 'local', '-m', 'copy', '-a', 'content="{{ one }}|{{ two }}" dest=' + join(dir, 'out.txt'), '-e', '@vars.yml', '--vault-password-file', 'a.pass', '--vault-id', 'lab@b.pass'], dir);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('first value|second\nvalue');
  });
});
