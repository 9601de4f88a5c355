/**
 * A real run through the compiled CLI on the local connection with vaulted data from every
 * source (test/fixtures/vault-e2e): the values are used (the files written hold them), and
 * they never appear in the terminal output, in --json, or in the --log-file, even at -vvvv
 * with --diff. Without the secrets the run stops before any task, naming file:line and the
 * options to pass.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, ensureBuilt, repo } from './project-helper.js';

const fixtures = join(repo, 'test/fixtures/vault-e2e');
const SECRETS = ['Db-Secret-4711', 'Api-Token-9876', 'Group-Secret-0815', 'Inv-Secret-1234', 'File-Secret-2342', 'second line of the secret file', 'fixture-default-pw', 'fixture-prod-pw'];

function tsplay(args: string[], env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: fixtures, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, input: '' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const secretFlags = ['--vault-password-file', 'default.pass', '--vault-id', 'prod@prod.pass'];

describe('tsplay run with vaulted data', () => {
  beforeAll(() => {
    ensureBuilt();
  });

  it('uses the values, and masks them in the terminal, --json and the log', () => {
    const root = mkdtempSync(join(tmpdir(), 'tsplay-vault-run-'));
    const log = join(root, 'run.log');
    const text = tsplay(['run', 'site.yml', '-i', 'inventory.yml', '-e', `root=${root}`, ...secretFlags, '-D', '-vvvv', '--log-file', log]);
    expect(text.stderr).toBe('');
    expect(text.code, text.stdout).toBe(0);
    expect(readFileSync(join(root, 'values.txt'), 'utf8')).toBe('Db-Secret-4711 Api-Token-9876 Group-Secret-0815 Inv-Secret-1234\n');
    expect(readFileSync(join(root, 'secret.txt'), 'utf8')).toBe('File-Secret-2342\nsecond line of the secret file\n');
    expect(readFileSync(join(root, 'secret.vault'), 'utf8')).toBe(readFileSync(join(fixtures, 'files/secret.txt'), 'utf8'));
    expect(readFileSync(join(root, 'db.conf'), 'utf8')).toBe('user = appuser\npassword = Db-Secret-4711\n');
    expect(text.stdout).toContain('"msg": "user=******** password=******** token=******** group=******** inv=********"');
    const logText = readFileSync(log, 'utf8');
    expect(logText).toContain('run finished');

    const json = tsplay(['run', 'site.yml', '-i', 'inventory.yml', '-e', `root=${mkdtempSync(join(tmpdir(), 'tsplay-vault-run-'))}`, ...secretFlags, '-D', '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toBeTruthy();
    for (const secret of SECRETS) {
      expect(text.stdout, secret).not.toContain(secret);
      expect(json.stdout, secret).not.toContain(secret);
      expect(logText, secret).not.toContain(secret);
    }
  });

  it('ANSIBLE_VAULT_PASSWORD_FILE gives the default secret', () => {
    const root = mkdtempSync(join(tmpdir(), 'tsplay-vault-run-'));
    const r = tsplay(['run', 'site.yml', '-i', 'inventory.yml', '-e', `root=${root}`, '--vault-id', 'prod@prod.pass'], { ANSIBLE_VAULT_PASSWORD_FILE: 'default.pass' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('without the secrets: exit 5 before any task, naming file:line and the options', () => {
    const none = tsplay(['run', 'site.yml', '-i', 'inventory.yml', '-e', 'root=/nonexistent']);
    expect(none.code).toBe(5);
    expect(none.stdout).not.toContain('TASK');
    expect(none.stderr).toMatch(/^ERROR! site\.yml:10:16: this !vault value is encrypted with Ansible Vault and no vault secret was given: pass --vault-password-file FILE, --vault-id/);

    const noProd = tsplay(['run', 'site.yml', '-i', 'inventory.yml', '-e', 'root=/nonexistent', '--vault-password-file', 'default.pass']);
    expect(noProd.code).toBe(5);
    expect(noProd.stderr).toMatch(/site\.yml:10:16: no vault secret for vault id 'prod' \(this !vault value\).*add --vault-id prod@FILE/);

    const wrong = tsplay(['run', 'site.yml', '-i', 'inventory.yml', '-e', 'root=/nonexistent', '--vault-id', 'default@prod.pass', '--vault-id', 'prod@prod.pass']);
    expect(wrong.code).toBe(5);
    expect(wrong.stderr).toMatch(/inventory\.yml:5:19: wrong vault password for this !vault value \(tried vault id 'default', 'prod'\)/);
    // vars_files are loaded when the play starts: the error names the play and the file
    const varsFile = tsplay(['run', 'site.yml', '-i', 'localhost,', '-c', 'local', '-e', 'root=/nonexistent', '--vault-id', 'prod@prod.pass']);
    expect(varsFile.code).toBe(5);
    expect(varsFile.stdout).not.toContain('TASK');
    expect(varsFile.stderr).toBe("ERROR! site.yml:4:3: vars_files: vars/secrets.yml: wrong vault password for this file (tried vault id 'prod')\n");
    for (const r of [none, noProd, wrong, varsFile]) for (const secret of SECRETS) expect(r.stdout + r.stderr).not.toContain(secret);
  });

  it('a missing password file and --ask-vault-pass without a terminal are clear errors', () => {
    const missing = tsplay(['run', 'site.yml', '-i', 'inventory.yml', '--vault-password-file', 'nope.pass']);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toBe('ERROR! the vault password file nope.pass was not found\n');
    const ask = tsplay(['run', 'site.yml', '-i', 'inventory.yml', '--ask-vault-pass']);
    expect(ask.code).toBe(5);
    expect(ask.stderr).toMatch(/^ERROR! Vault password needs a terminal; give the vault password with --vault-password-file FILE/);
  });

  it('a secret with quotes and backslashes is masked in JSON text too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-vault-quote-'));
    const enc = spawnSync(process.execPath, [cli, 'vault', 'encrypt_string', '--vault-password-file', join(fixtures, 'default.pass'), '--name', 'pw', 'we"ird\\pass'], { encoding: 'utf8' });
    writeFileSync(join(dir, 'inv.yml'), `all:\n  hosts:\n    h1:\n${enc.stdout.split('\n').map((l) => `      ${l}`).join('\n')}\n`);
    const r = tsplay(['inventory', '-i', join(dir, 'inv.yml'), '--list', '--vault-password-file', 'default.pass']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)._meta.hostvars.h1.pw).toBe('********');
  });

  it('tsplay inventory decrypts with the same flags and masks what it prints', () => {
    const r = tsplay(['inventory', '-i', 'inventory.yml', '--host', 'localhost', ...secretFlags]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ inv_secret: '********', group_secret: '********', ansible_connection: 'local' });
  });
});
