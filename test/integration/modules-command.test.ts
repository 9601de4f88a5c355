/**
 * command's `$VAR` / `~` expansion on a lab host (compute3, owned by this suite), through
 * `tsplay run` and SSH: the words come from the host's own environment (the task's
 * `environment:` included), as root and under become (sudo -H), and a value full of shell
 * syntax stays one literal word. The expected words are read from the host independently
 * (getent, sudo's own environment), not from tsplay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLab, removeScratchDir, scratchDir, type Lab } from './modules-lab.js';

const HOST = 'compute3';
const repo = fileURLToPath(new URL('../..', import.meta.url));
let lab: Lab;
let remote: string;
let local: string;

beforeAll(async () => {
  lab = await openLab();
  remote = await scratchDir(lab, HOST, 'command-expand');
  local = mkdtempSync(join(tmpdir(), 'tsplay-command-expand-'));
}, 120_000);

afterAll(async () => {
  if (lab) {
    await removeScratchDir(lab, HOST, remote);
    await lab.close();
  }
  if (local) rmSync(local, { recursive: true, force: true });
});

describe('command expands $VAR and ~ on the host, as Ansible', () => {
  it('from the environment the command runs in, as root and under become; values stay literal words', async () => {
    const playbook = `- hosts: ${HOST}
  gather_facts: false
  tasks:
    - name: as root
      command: printf "[%s]" $HOME ~ ~nobody $GREETING "\${GREETING}!" $TSPLAY_UNSET '$(id)' '*'
      environment: { GREETING: "hi $(id) \`id\` ; *" }
      register: root
      changed_when: false
    - name: as nobody
      command: printf "[%s]" $HOME ~ $USER
      become: true
      become_user: nobody
      register: nobody
      changed_when: false
    - name: literal
      command: printf "[%s]" $HOME ~
      args: { expand_argument_vars: false }
      register: literal
      changed_when: false
    - copy:
        dest: ${remote}/words
        content: "{{ root.stdout }}\\n{{ nobody.stdout }}\\n{{ literal.stdout }}\\n"
`;
    writeFileSync(join(local, 'expand.yml'), playbook);
    const r = spawnSync(process.execPath, [`${repo}/bin/tsplay.js`, 'run', join(local, 'expand.yml'), '-i', `${repo}/inventories/lab`], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 300_000,
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);

    const rootHome = (await lab.out(HOST, 'printf %s "$HOME"')).replace(/\/+$/, '');
    const nobodyHome = (await lab.out(HOST, 'getent passwd nobody')).split(':')[5]!.replace(/\/+$/, '');
    const asNobody = await lab.out(HOST, `sudo -n -H -u nobody -- /bin/sh -c 'printf "[%s][%s][%s]" "$HOME" "$HOME" "$USER"'`);
    const words = (await lab.out(HOST, `cat ${remote}/words`)).split('\n');
    expect(words[0]).toBe(`[${rootHome}][${rootHome}][${nobodyHome}][hi $(id) \`id\` ; *][hi $(id) \`id\` ; *!][$TSPLAY_UNSET][$(id)][*]`);
    expect(words[1]).toBe(asNobody.replace(/\/+\]/g, ']'));
    expect(words[2]).toBe('[$HOME][~]');
  });
});
