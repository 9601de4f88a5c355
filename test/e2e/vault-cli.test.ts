/**
 * `tsplay vault` subcommands through the compiled CLI, on real files in temp directories.
 * `edit`/`create` run a real (scripted) $EDITOR that records what it was given, so the test
 * can check the private temp dir and file modes and that the plaintext is gone afterwards.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cli, ensureBuilt } from './project-helper.js';

function tsplay(cwd: string, args: string[], options: { input?: string; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, [cli, 'vault', ...args], { cwd, encoding: 'utf8', input: options.input ?? '', env: { ...process.env, NO_COLOR: '1', ...options.env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function workdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-vault-cli-'));
  writeFileSync(join(dir, 'a.pass'), 'alpha-pw\n');
  writeFileSync(join(dir, 'b.pass'), 'bravo-pw\n');
  return dir;
}

const mode = (p: string) => statSync(p).mode & 0o777;

describe('tsplay vault', () => {
  beforeAll(() => {
    ensureBuilt();
  });

  it('encrypt in place (0600), view, decrypt in place; no temporary file is left', () => {
    const dir = workdir();
    writeFileSync(join(dir, 'secrets.yml'), 'pw: s3cret\n');
    const enc = tsplay(dir, ['encrypt', 'secrets.yml', '--vault-password-file', 'a.pass']);
    expect(enc.code, enc.stderr).toBe(0);
    expect(enc.stderr).toBe('Encryption successful\n');
    const text = readFileSync(join(dir, 'secrets.yml'), 'utf8');
    expect(text).toMatch(/^\$ANSIBLE_VAULT;1\.1;AES256\n([0-9a-f]{80}\n)+[0-9a-f]{1,80}\n$/);
    expect(mode(join(dir, 'secrets.yml'))).toBe(0o600);
    expect(tsplay(dir, ['view', 'secrets.yml', '--vault-password-file', 'a.pass']).stdout).toBe('pw: s3cret\n');
    expect(tsplay(dir, ['encrypt', 'secrets.yml', '--vault-password-file', 'a.pass']).stderr).toBe('ERROR! secrets.yml is already vault-encrypted\n');
    const wrong = tsplay(dir, ['view', 'secrets.yml', '--vault-password-file', 'b.pass']);
    expect([wrong.code, wrong.stderr]).toEqual([1, "ERROR! wrong vault password for secrets.yml (tried vault id 'default')\n"]);
    expect(tsplay(dir, ['decrypt', 'secrets.yml', '--vault-password-file', 'a.pass']).code).toBe(0);
    expect(readFileSync(join(dir, 'secrets.yml'), 'utf8')).toBe('pw: s3cret\n');
    expect(readdirSync(dir).sort()).toEqual(['a.pass', 'b.pass', 'secrets.yml']);
    expect(tsplay(dir, ['decrypt', 'secrets.yml', '--vault-password-file', 'a.pass']).stderr).toBe('ERROR! secrets.yml is not vault-encrypted (no $ANSIBLE_VAULT header)\n');
  });

  it('a symbolic link is kept: its target is rewritten, as ansible-vault does', () => {
    const dir = workdir();
    mkdirSync(join(dir, 'real'));
    writeFileSync(join(dir, 'real', 'v.yml'), 'k: v\n');
    symlinkSync('real/v.yml', join(dir, 'link.yml'));
    for (const args of [['encrypt', 'link.yml'], ['rekey', 'link.yml', '--new-vault-password-file', 'b.pass'], ['decrypt', 'link.yml']]) {
      const pass = args[0] === 'decrypt' ? 'b.pass' : 'a.pass';
      const r = tsplay(dir, [...args, '--vault-password-file', pass]);
      expect(r.code, r.stderr).toBe(0);
      expect(lstatSync(join(dir, 'link.yml')).isSymbolicLink()).toBe(true);
    }
    expect(readFileSync(join(dir, 'real', 'v.yml'), 'utf8')).toBe('k: v\n');
  });

  it('stdin to stdout, --output, and vault ids (1.2 headers, --encrypt-vault-id)', () => {
    const dir = workdir();
    const piped = tsplay(dir, ['encrypt', '--vault-id', 'prod@a.pass'], { input: 'from stdin\n' });
    expect(piped.stdout.split('\n')[0]).toBe('$ANSIBLE_VAULT;1.2;AES256;prod');
    writeFileSync(join(dir, 'piped.vault'), piped.stdout);
    expect(tsplay(dir, ['decrypt', 'piped.vault', '--output', '-', '--vault-id', 'dev@b.pass', '--vault-id', 'prod@a.pass']).stdout).toBe('from stdin\n');
    const two = tsplay(dir, ['encrypt', '--vault-id', 'dev@b.pass', '--vault-id', 'prod@a.pass'], { input: 'x' });
    expect(two.stderr).toBe("ERROR! the vault ids 'dev', 'prod' can all encrypt: choose one with --encrypt-vault-id\n");
    writeFileSync(join(dir, 'plain.txt'), 'plain\n');
    expect(tsplay(dir, ['encrypt', 'plain.txt', '--output', 'out.vault', '--vault-id', 'dev@b.pass', '--vault-id', 'prod@a.pass', '--encrypt-vault-id', 'dev']).code).toBe(0);
    expect(readFileSync(join(dir, 'plain.txt'), 'utf8')).toBe('plain\n');
    expect(readFileSync(join(dir, 'out.vault'), 'utf8').split('\n')[0]).toBe('$ANSIBLE_VAULT;1.2;AES256;dev');
    expect(tsplay(dir, ['encrypt', 'a.pass', 'b.pass', '--output', 'x', '--vault-password-file', 'a.pass']).code).toBe(5);
  });

  it('a shell pipeline: encrypt | view - (3 MB, stdin read as a stream)', () => {
    const dir = workdir();
    const data = Buffer.alloc(3 * 1024 * 1024, 'pipe data\n').toString();
    writeFileSync(join(dir, 'big.txt'), data);
    const vault = `${process.execPath} ${cli} vault`;
    const out = execFileSync('sh', ['-c', `cat big.txt | ${vault} encrypt --vault-password-file a.pass 2>/dev/null | ${vault} view - --vault-password-file a.pass`], { cwd: dir, maxBuffer: 64 * 1024 * 1024 });
    expect(out.equals(Buffer.from(data))).toBe(true);
  });

  it('encrypt_string: ansible-vault YAML that tsplay loads back', () => {
    const dir = workdir();
    const r = tsplay(dir, ['encrypt_string', '--vault-id', 'prod@a.pass', '-n', 'db_password', 'hunter22', '-n', 'api_key', 'k-123']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('db_password: !vault |');
    expect(lines[1]).toBe('          $ANSIBLE_VAULT;1.2;AES256;prod');
    expect(lines.filter((l) => /^\w+: !vault \|$/.test(l))).toEqual(['db_password: !vault |', 'api_key: !vault |']);
    const stdin = tsplay(dir, ['encrypt_string', '--vault-password-file', 'b.pass', '--stdin-name', 'token'], { input: 'tok-456' });
    expect(stdin.stdout.startsWith('token: !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n')).toBe(true);
    writeFileSync(join(dir, 'vars.yml'), r.stdout + stdin.stdout);
    writeFileSync(join(dir, 'show.yml'), '- hosts: localhost\n  gather_facts: false\n  vars_files: [vars.yml]\n  tasks:\n    - copy: content="{{ db_password }} {{ api_key }} {{ token }}" dest={{ playbook_dir }}/out.txt\n');
    const run = spawnSync(process.execPath, [cli, 'run', 'show.yml', '-i', 'localhost,', '-c', 'local', '--vault-id', 'prod@a.pass', '--vault-password-file', 'b.pass'], { cwd: dir, encoding: 'utf8' });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('hunter22 k-123 tok-456');
    expect(tsplay(dir, ['encrypt_string', '--vault-password-file', 'a.pass'], { input: '' }).stderr).toBe('ERROR! stdin was empty, not encrypting\n');
  });

  it('rekey: the new secret opens the file, the old one no longer does, the mode is kept', () => {
    const dir = workdir();
    writeFileSync(join(dir, 's.yml'), 'k: v\n');
    tsplay(dir, ['encrypt', 's.yml', '--vault-password-file', 'a.pass']);
    chmodSync(join(dir, 's.yml'), 0o640);
    const r = tsplay(dir, ['rekey', 's.yml', '--vault-password-file', 'a.pass', '--new-vault-id', 'next', '--new-vault-password-file', 'b.pass']);
    expect([r.code, r.stderr]).toEqual([0, 'Rekey successful\n']);
    expect(readFileSync(join(dir, 's.yml'), 'utf8').split('\n')[0]).toBe('$ANSIBLE_VAULT;1.2;AES256;next');
    expect(mode(join(dir, 's.yml'))).toBe(0o640);
    expect(tsplay(dir, ['view', 's.yml', '--vault-id', 'next@b.pass']).stdout).toBe('k: v\n');
    expect(tsplay(dir, ['view', 's.yml', '--vault-password-file', 'a.pass']).code).toBe(1);
  });

  it('edit: plaintext only in a 0600 file in a 0700 dir, removed afterwards; re-encrypted only when changed', () => {
    const dir = workdir();
    writeFileSync(join(dir, 's.yml'), 'a: 1\n');
    tsplay(dir, ['encrypt', 's.yml', '--vault-id', 'prod@a.pass']);
    const editor = join(dir, 'editor.sh');
    // Records the file it was given (path, modes, content), then appends a line.
    writeFileSync(editor, `#!/bin/sh\nf="$1"; d=$(dirname "$f")\nprintf '%s\\n%s\\n%s\\n' "$f" "$(stat -c %a "$f")" "$(stat -c %a "$d")" > ${dir}/seen\ncat "$f" >> ${dir}/seen\necho "b: 2" >> "$f"\n`);
    chmodSync(editor, 0o755);
    const before = readFileSync(join(dir, 's.yml'));
    const r = tsplay(dir, ['edit', 's.yml', '--vault-id', 'other@b.pass', '--vault-id', 'prod@a.pass'], { env: { EDITOR: `${editor} ` } });
    expect(r.code, r.stderr).toBe(0);
    const [tempFile, fileMode, dirMode, ...content] = readFileSync(join(dir, 'seen'), 'utf8').split('\n');
    expect([fileMode, dirMode]).toEqual(['600', '700']);
    expect(content.join('\n')).toBe('a: 1\n');
    expect(existsSync(tempFile!)).toBe(false);
    expect(existsSync(resolve(tempFile!, '..'))).toBe(false);
    const after = readFileSync(join(dir, 's.yml'), 'utf8');
    expect(after.split('\n')[0]).toBe('$ANSIBLE_VAULT;1.2;AES256;prod');
    expect(after).not.toBe(before.toString());
    expect(tsplay(dir, ['view', 's.yml', '--vault-id', 'prod@a.pass']).stdout).toBe('a: 1\nb: 2\n');

    const unchanged = readFileSync(join(dir, 's.yml'));
    expect(tsplay(dir, ['edit', 's.yml', '--vault-id', 'prod@a.pass'], { env: { EDITOR: 'true' } }).code).toBe(0);
    expect(readFileSync(join(dir, 's.yml')).equals(unchanged)).toBe(true);

    const failed = tsplay(dir, ['edit', 's.yml', '--vault-id', 'prod@a.pass'], { env: { EDITOR: 'false' } });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toBe("ERROR! the editor 'false' failed (exit 1); s.yml is unchanged\n");
    expect(readFileSync(join(dir, 's.yml')).equals(unchanged)).toBe(true);
  });

  it('edit: Ctrl-C or SIGTERM sent to tsplay while the editor runs does not leave the plaintext behind', () => {
    const dir = workdir();
    writeFileSync(join(dir, 's.yml'), 'a: 1\n');
    tsplay(dir, ['encrypt', 's.yml', '--vault-password-file', 'a.pass']);
    const editor = join(dir, 'editor.sh');
    writeFileSync(editor, `#!/bin/sh\necho "$1" > ${dir}/seen\nkill -INT $PPID; kill -TERM $PPID; kill -HUP $PPID\nsleep 0.2\necho "b: 2" >> "$1"\n`);
    chmodSync(editor, 0o755);
    const r = tsplay(dir, ['edit', 's.yml', '--vault-password-file', 'a.pass'], { env: { EDITOR: editor } });
    expect(r.code, r.stderr).toBe(0);
    const tempFile = readFileSync(join(dir, 'seen'), 'utf8').trim();
    expect(existsSync(resolve(tempFile, '..'))).toBe(false);
    expect(tsplay(dir, ['view', 's.yml', '--vault-password-file', 'a.pass']).stdout).toBe('a: 1\nb: 2\n');
  });

  it('create: a new vault file from the editor', () => {
    const dir = workdir();
    const editor = join(dir, 'write.sh');
    writeFileSync(editor, '#!/bin/sh\necho "new: file" > "$1"\n');
    chmodSync(editor, 0o755);
    expect(tsplay(dir, ['create', 'n.yml', '--vault-password-file', 'a.pass'], { env: { EDITOR: editor } }).code).toBe(0);
    expect(mode(join(dir, 'n.yml'))).toBe(0o600);
    expect(tsplay(dir, ['view', 'n.yml', '--vault-password-file', 'a.pass']).stdout).toBe('new: file\n');
    expect(tsplay(dir, ['create', 'n.yml', '--vault-password-file', 'a.pass'], { env: { EDITOR: editor } }).stderr).toMatch(/n\.yml exists; edit it with tsplay vault edit/);
  });

  it('without a secret or terminal: a clear error; --help documents the flags', () => {
    const dir = workdir();
    writeFileSync(join(dir, 'p.txt'), 'x');
    expect(tsplay(dir, ['encrypt', 'p.txt']).stderr).toMatch(/^ERROR! New Vault password needs a terminal; give the vault password with --vault-password-file FILE/);
    const help = tsplay(dir, ['encrypt_string', '--help']);
    for (const flag of ['--vault-id', '--vault-password-file', '--ask-vault-pass', '--name', '--stdin-name', '--output', '--encrypt-vault-id']) expect(help.stdout).toContain(flag);
    expect(tsplay(dir, ['rekey', '--help']).stdout).toContain('--new-vault-password-file');
  });
});
