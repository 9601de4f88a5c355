/**
 * ini_set on a lab host over SSH: the check-mode chain after a yum task that installs the
 * file (a predicted change, not an error), byte preservation on a packaged config file, the
 * seed's section-less rabbitmq-env.conf, and clear errors for unreadable paths. End states
 * are read back with cat/python3's configparser, not through tsplay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import iniSet from '../../modules/ini_set.js';
import yum from '../../modules/yum.js';
import { HostRuntime } from '../../core/executor/host-state.js';
import { ConnectionManager } from '../../core/executor/connections.js';
import { runModuleLocally } from '../../core/testing/index.js';
import { openLab, snapshot, type Lab } from './modules-lab.js';

/** Its own host: the test installs and removes mariadb-server, which must not touch the shared opctl. */
const HOST = 'compute4';
const CNF = '/etc/my.cnf.d/server.cnf';
const DIR = '/etc/tsplay-it-ini';
let lab: Lab;
let host: string;

/** What Python's configparser (what OpenStack services use underneath) reads back. */
async function configValue(file: string, section: string, option: string): Promise<string> {
  const py = `import configparser,sys; c=configparser.RawConfigParser(strict=False); c.read(sys.argv[1]); print(c.get(sys.argv[2], sys.argv[3]))`;
  return (await lab.out(host, `python3 -c '${py}' ${file} ${section} ${option}`)).trim();
}

beforeAll(async () => {
  lab = await openLab();
  if (!lab.hosts.includes(HOST)) throw new Error(`no lab host ${HOST} in inventories/lab: this test needs it (it installs and removes packages there)`);
  host = HOST;
  await lab.sh(host, `dnf -y -q remove mariadb-server >/dev/null 2>&1; rm -rf ${DIR} /etc/my.cnf.d; true`);
}, 300_000);

afterAll(async () => {
  if (!lab) return;
  await lab.sh(host, `dnf -y -q remove mariadb-server >/dev/null 2>&1; rm -rf ${DIR}; true`);
  await lab.close();
});

describe('ini_set on a lab host', () => {
  const tasks: Array<[typeof yum | typeof iniSet, Record<string, unknown>]> = [
    [yum, { name: 'mariadb-server' }],
    [iniSet, { path: CNF, settings: { mysqld: { 'bind-address': '198.18.0.10', max_connections: 1024 }, galera: { wsrep_on: 'OFF' } } }],
    [iniSet, { path: CNF, section: 'mysqld', option: 'bind-address', value: '198.18.0.10' }],
    [iniSet, { path: CNF, section: 'mysqld', option: 'character-set-server', value: 'utf8' }],
  ];

  it('check mode after a yum task that installs the file predicts exactly; the real run matches; then idempotent', async () => {
    const before = await snapshot(lab, host);
    const dry = new HostRuntime();
    const predicted: boolean[] = [];
    for (const [m, args] of tasks) {
      const r = await lab.run(host, m, args, { check: true, diff: true, runtime: dry });
      expect(r.failed, `${m.name} ${JSON.stringify(args)}: ${r.msg}`).toBe(false);
      predicted.push(r.changed);
    }
    expect(predicted).toEqual([true, true, false, true]);
    expect(await snapshot(lab, host)).toBe(before);

    const packaged = await lab.sh(host, 'rpm -q mariadb-server');
    expect(packaged.rc).not.toBe(0);
    const real = new HostRuntime();
    const changed: boolean[] = [];
    for (const [m, args] of tasks) {
      const r = await lab.run(host, m, args, { runtime: real, diff: true });
      expect(r.failed, `${m.name} ${JSON.stringify(args)}: ${r.msg}`).toBe(false);
      changed.push(r.changed);
    }
    expect(changed).toEqual(predicted);
    expect(await configValue(CNF, 'mysqld', 'bind-address')).toBe('198.18.0.10');
    expect(await configValue(CNF, 'mysqld', 'max_connections')).toBe('1024');
    expect(await configValue(CNF, 'mysqld', 'character-set-server')).toBe('utf8');
    expect(await configValue(CNF, 'galera', 'wsrep_on')).toBe('OFF');
    for (const check of [false, true]) {
      for (const [m, args] of tasks) expect((await lab.run(host, m, args, { check })).changed, `${m.name} ${JSON.stringify(args)}`).toBe(false);
    }
  });

  it('keeps every byte of the packaged file it does not change', async () => {
    // The lab's mariadb-server package installs this source file as it is.
    const pristine = readFileSync(fileURLToPath(new URL('../lab/rpms/sources/mariadb/server.cnf', import.meta.url)), 'utf8');
    const added = '[mysqld]\nbind-address = 198.18.0.10\nmax_connections = 1024\ncharacter-set-server = utf8\n';
    const expected = pristine.replace('[mysqld]\n', added) + (pristine.endsWith('\n\n') ? '' : '\n') + '[galera]\nwsrep_on = OFF\n';
    expect(pristine).toContain('[mysqld]\n');
    expect(await lab.out(host, `cat ${CNF}`)).toBe(expected);
  });

  it('section-less rabbitmq-env.conf (seed 001, step 9) with mode/owner, diff and backup', async () => {
    await lab.out(host, `mkdir -p ${DIR} && printf '%s\\n' '# RabbitMQ environment' 'NODENAME=rabbit@opctl' > ${DIR}/rabbitmq-env.conf && chmod 0644 ${DIR}/rabbitmq-env.conf`);
    const args = {
      path: `${DIR}/rabbitmq-env.conf`,
      no_extra_spaces: true,
      mode: '0640',
      owner: 'root',
      group: 'tester',
      backup: true,
      settings: { RABBITMQ_NODE_IP_ADDRESS: '192.168.1.100', RABBITMQ_NODE_PORT: 5672 },
    };
    const check = await lab.run(host, iniSet, args, { check: true, diff: true });
    expect(check.changed).toBe(true);
    const r = await lab.run(host, iniSet, args, { diff: true });
    expect(r.changed).toBe(true);
    expect(r.diff).toEqual(check.diff);
    expect(await lab.out(host, `cat ${DIR}/rabbitmq-env.conf`)).toBe('# RabbitMQ environment\nNODENAME=rabbit@opctl\nRABBITMQ_NODE_IP_ADDRESS=192.168.1.100\nRABBITMQ_NODE_PORT=5672\n');
    expect((await lab.out(host, `stat -c '%a %U %G' ${DIR}/rabbitmq-env.conf`)).trim()).toBe('640 root tester');
    expect(await lab.out(host, `cat ${r.backup_file as string}`)).toBe('# RabbitMQ environment\nNODENAME=rabbit@opctl\n');
    // The shell reads it as the RabbitMQ start script does.
    expect((await lab.out(host, `. ${DIR}/rabbitmq-env.conf; echo "$RABBITMQ_NODE_IP_ADDRESS:$RABBITMQ_NODE_PORT"`)).trim()).toBe('192.168.1.100:5672');
    expect((await lab.run(host, iniSet, args)).changed).toBe(false);
  });

  it('an unreadable path is a clear error naming the path and what the host said', async () => {
    await lab.out(host, `mkdir -p ${DIR} && printf '[a]\\nk = 1\\n' > ${DIR}/secret.ini && chmod 0600 ${DIR}/secret.ini && chmod 0755 ${DIR}`);
    const connections = new ConnectionManager({});
    const asTester = connections.get(host, { ...lab.inventory.varsFor(host), ansible_user: 'tester' });
    try {
      const r = await runModuleLocally(iniSet, { path: `${DIR}/secret.ini`, section: 'a', option: 'k', value: '2' }, { transport: asTester });
      expect(r.failed).toBe(true);
      expect(r.msg).toBe(`cannot read ${DIR}/secret.ini on ${host}: cat: ${DIR}/secret.ini: Permission denied`);
      // With become the same task works.
      const become = await runModuleLocally(iniSet, { path: `${DIR}/secret.ini`, section: 'a', option: 'k', value: '2' }, { transport: asTester, become: { user: 'root' } });
      expect(become.failed, String(become.msg)).toBe(false);
      expect(become.changed).toBe(true);
    } finally {
      await connections.closeAll();
    }
    const dir = await lab.run(host, iniSet, { path: DIR, section: 'a', option: 'k', value: '1' });
    expect(dir.msg).toBe(`cannot read ${DIR} on ${host}: ${DIR} is a directory, not a file`);
    const missing = await lab.run(host, iniSet, { path: `${DIR}/none.ini`, section: 'a', option: 'k', value: '1', create: false });
    expect(missing.msg).toBe(`${DIR}/none.ini does not exist on ${host}; set create: true to create it`);
  });
});
