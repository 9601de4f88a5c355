/**
 * Vault data wherever files are loaded, with files made by ansible-vault (committed in
 * test/fixtures/vault-e2e, so these run without ansible installed): playbooks and their
 * inline !vault values, vars files, YAML inventories, group_vars, -e @file; and what each
 * reveals to the secret masker.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExtraVars } from '../../../core/cli/extra-vars.js';
import { loadInventory } from '../../../core/inventory/load.js';
import { loadPlaybook, loadVarsFile, PlaybookError } from '../../../core/playbook/load.js';
import type { VaultSecret } from '../../../core/vault/secrets.js';
import { Vault } from '../../../core/vault/vault.js';
import { options, tempTree } from '../playbook/helpers.js';

const FIXTURES = new URL('../../fixtures/vault-e2e/', import.meta.url).pathname;
const pw = (id: string, file: string): VaultSecret => ({ id, password: Buffer.from(readFileSync(join(FIXTURES, file), 'utf8').trim()), source: file });
const DEFAULT = pw('default', 'default.pass');
const PROD = pw('prod', 'prod.pass');

function vault(...secrets: VaultSecret[]): { vault: Vault; revealed: string[] } {
  const revealed: string[] = [];
  return { vault: new Vault(secrets, (p) => revealed.push(p)), revealed };
}

function copyFixtures(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-vault-load-'));
  cpSync(FIXTURES, dir, { recursive: true });
  return dir;
}

describe('loading vault data', () => {
  it('a playbook: the inline !vault value (vault id prod) is decrypted and revealed', async () => {
    const { vault: v, revealed } = vault(DEFAULT, PROD);
    const pb = await loadPlaybook(join(FIXTURES, 'site.yml'), { ...options, vault: v });
    expect(pb.plays[0]!.vars.api_token).toBe('Api-Token-9876');
    expect(revealed).toEqual(['Api-Token-9876']);
  });

  it('a playbook without the secret fails at the value, naming the options to pass', async () => {
    const err = await loadPlaybook(join(FIXTURES, 'site.yml'), { ...options }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlaybookError);
    const p = (err as PlaybookError).problems[0]!;
    expect(`${p.line}:${p.column}: ${p.message}`).toMatch(/^10:16: this !vault value is encrypted with Ansible Vault and no vault secret was given: pass --vault-password-file FILE/);
    const wrong = await loadPlaybook(join(FIXTURES, 'site.yml'), { ...options, vault: new Vault([DEFAULT]) }).catch((e: unknown) => e);
    expect((wrong as PlaybookError).message).toMatch(/site\.yml:10:16: no vault secret for vault id 'prod' \(this !vault value\)/);
  });

  it('a role with vault-encrypted defaults and tasks files', async () => {
    const { vault: v, revealed } = vault(DEFAULT);
    const enc = (text: string) => v.encrypt(Buffer.from(text));
    const root = tempTree({
      'site.yml': '- hosts: all\n  roles: [db]\n',
      'roles/db/defaults/main.yml': enc('db_root_password: Role-Secret-77\n'),
      'roles/db/tasks/main.yml': enc('- name: a task from a vaulted tasks file\n  ping:\n'),
    });
    const pb = await loadPlaybook(join(root, 'site.yml'), { ...options, vault: v });
    expect(JSON.stringify(pb.plays[0])).toContain('a task from a vaulted tasks file');
    expect(JSON.stringify(pb.plays[0])).toContain('Role-Secret-77');
    // the defaults are secrets; the (vaulted) task file's names are not
    expect(revealed).toEqual(['Role-Secret-77']);
  });

  it('a vault-encrypted vars file: decrypted, every value revealed', async () => {
    const { vault: v, revealed } = vault(DEFAULT);
    expect(await loadVarsFile(join(FIXTURES, 'vars/secrets.yml'), v)).toEqual({ db_password: 'Db-Secret-4711', db_user: 'appuser' });
    expect(revealed).toEqual(['Db-Secret-4711', 'appuser']);
    await expect(loadVarsFile(join(FIXTURES, 'vars/secrets.yml'))).rejects.toThrow(/secrets\.yml: this file is encrypted with Ansible Vault and no vault secret was given/);
    await expect(loadVarsFile(join(FIXTURES, 'vars/secrets.yml'), new Vault([PROD]))).rejects.toThrow(/secrets\.yml: wrong vault password for this file \(tried vault id 'prod'\)/);
  });

  it('an error inside a vault-encrypted file names the line but never prints the decrypted text', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-vault-excerpt-'));
    writeFileSync(join(dir, 'bad.yml'), new Vault([DEFAULT]).encrypt(Buffer.from('ok: 1\n2bad: Leaky-Secret-55\n')));
    const err = (await loadVarsFile(join(dir, 'bad.yml'), new Vault([DEFAULT])).catch((e: unknown) => e)) as PlaybookError;
    expect(err.message).toMatch(/bad\.yml:2:1: '2bad' is not a valid variable name/);
    expect(err.message).not.toContain('Leaky-Secret-55');
    writeFileSync(join(dir, 'plain.yml'), 'ok: 1\n2bad: shown\n');
    expect(((await loadVarsFile(join(dir, 'plain.yml')).catch((e: unknown) => e)) as Error).message).toContain('2bad: shown');
  });

  it('a damaged vault file names the line', async () => {
    const dir = copyFixtures();
    const file = join(dir, 'vars/secrets.yml');
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[2] = lines[2]!.replace(/^../, 'xy');
    writeFileSync(file, lines.join('\n'));
    await expect(loadVarsFile(file, new Vault([DEFAULT]))).rejects.toThrow(/secrets\.yml:3:1: this file: not a vault file or corrupt at line 3 of the vault text/);
  });

  it('an inventory: !vault values in a YAML inventory and a vault-encrypted group_vars file', async () => {
    const { vault: v, revealed } = vault(DEFAULT, PROD);
    const inv = await loadInventory([join(FIXTURES, 'inventory.yml')], { vault: v });
    expect(inv.varsFor('localhost')).toMatchObject({ inv_secret: 'Inv-Secret-1234', group_secret: 'Group-Secret-0815' });
    expect(revealed.sort()).toEqual(['Group-Secret-0815', 'Inv-Secret-1234']);
    await expect(loadInventory([join(FIXTURES, 'inventory.yml')], { vault: new Vault([DEFAULT]) })).rejects.toThrow(
      /group_vars\/all\.yml: no vault secret for vault id 'prod' \(this file\)/,
    );
  });

  it('a whole vault-encrypted inventory file (INI inside)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-vault-inv-'));
    writeFileSync(join(dir, 'hosts'), new Vault([DEFAULT]).encrypt(Buffer.from('[web]\nweb1 ansible_port=2222\n')));
    const inv = await loadInventory(['hosts'], { cwd: dir, vault: new Vault([DEFAULT]) });
    expect(inv.varsFor('web1')).toMatchObject({ ansible_port: 2222 });
    await expect(loadInventory(['hosts'], { cwd: dir })).rejects.toThrow(/hosts: this file is encrypted with Ansible Vault and no vault secret was given/);
  });

  it('-e @file: a vault-encrypted file, and a plain one holding a !vault value', () => {
    const { vault: v, revealed } = vault(DEFAULT, PROD);
    expect(parseExtraVars([`@${join(FIXTURES, 'vars/secrets.yml')}`], v)).toEqual({ db_password: 'Db-Secret-4711', db_user: 'appuser' });
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-vault-e-'));
    const inline = readFileSync(join(FIXTURES, 'inventory.yml'), 'utf8').split('\n').slice(4).map((l) => l.slice(6)).join('\n');
    writeFileSync(join(dir, 'extra.yml'), inline);
    expect(parseExtraVars([`@${join(dir, 'extra.yml')}`], v)).toEqual({ inv_secret: 'Inv-Secret-1234' });
    expect(revealed).toEqual(['Db-Secret-4711', 'appuser', 'Inv-Secret-1234']);
    expect(() => parseExtraVars([`@${join(FIXTURES, 'vars/secrets.yml')}`])).toThrow(/-e @.*secrets\.yml: .*no vault secret was given/);
  });
});
