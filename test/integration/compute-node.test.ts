/**
 * `tsplay run playbooks/compute-node.yml` (seed 004) on fresh lab hosts: compute2 is the
 * database server (group nova_controller), compute1 the compute node (nova_compute).
 *  1. --check changes nothing (files, rpm db, units, users, iptables, MariaDB's accounts and
 *     databases) and predicts the real run task by task, exactly;
 *  2. the real run succeeds; its end state is read with the hosts' own tools (SHOW GRANTS,
 *     a login with the password, the tables nova-manage made, iptables -S, the files, systemctl);
 *  3. no secret shows in tsplay's output, nor in `ps` on either host during the run;
 *  4. a second run changes nothing, and --check after it predicts nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLab, snapshot, type Lab } from './modules-lab.js';
import { outcomes, settledSnapshots, snapshotChanges, type JsonRun } from './playbook-run.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const DB = 'compute2';
const DB_IP = '198.18.0.13';
const NODE = 'compute1';
const HOSTS = [NODE, DB];
const secret = (name: string) => `${name}-${randomBytes(8).toString('hex')}`;
const SECRETS = {
  nova_db_password: secret('db'),
  nova_rabbit_password: secret('rabbit'),
  nova_keystone_password: secret('keystone'),
  neutron_admin_password: secret('neutron'),
  metadata_secret: secret('metadata'),
};
const NOVA_SERVICES = ['openstack-nova-api', 'openstack-nova-scheduler', 'openstack-nova-conductor', 'openstack-nova-compute'];


let dir: string;
let lab: Lab;
const outputs: string[] = [];

/** One tsplay run (async, so that `ps` can be sampled on the hosts meanwhile). */
function tsplay(...args: string[]): Promise<JsonRun> {
  return new Promise((resolve, reject) => {
    const log = join(dir, `run-${outputs.length}.log`);
    const child = spawn(process.execPath, [`${repo}/bin/tsplay.js`, 'run', `${repo}/playbooks/compute-node.yml`, '-i', `${repo}/inventories/lab`, '-i', `${repo}/inventories/lab-compute-node.ini`, '-e', `@${join(dir, 'secrets.yml')}`, '--json', '--log-file', log, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGTERM'), 15 * 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      outputs.push(stdout, stderr, readFileSync(log, 'utf8'));
      if (code !== 0) reject(new Error(`tsplay ${args.join(' ')} exited ${code}\n${stderr}\n${stdout.slice(-6000)}`));
      else resolve(JSON.parse(stdout) as JsonRun);
    });
  });
}

/** What check mode must leave alone, beyond the shared snapshot: live firewall and the database server. */
async function state(host: string): Promise<string> {
  const extra = await lab.out(host, 'for t in filter nat; do iptables -t $t -S; done; mysql --batch -e "SELECT User, Host FROM mysql.user ORDER BY 1, 2; SHOW DATABASES" 2>/dev/null || echo "(no database server)"');
  return `${await snapshot(lab, host)}\n==\n${extra}`;
}

/** The value of KEY in [SECTION] of an ini file on the compute node, read with awk. */
const ini = async (file: string, section: string, key: string) =>
  (await lab.out(NODE, `awk -v s='[${section}]' -v k='${key}' '/^\\[/{cur=$0; next} cur==s { split($0, kv, /[ \\t]*=[ \\t]*/); if (kv[1]==k) { sub(/^[^=]*=[ \\t]*/, ""); print; exit } }' ${file}`)).trimEnd();

/**
 * Sample every process's command line on `host` every 20 ms until stopped; the secrets are
 * looked for with grep -F -f on a file written from hex escapes, so that no command line
 * of the sampler itself holds them. Returns a stop function giving (leaked lines, mysql/nova-manage sightings).
 */
async function sampleProcesses(host: string): Promise<() => Promise<{ leaks: string; sightings: number }>> {
  const hex = Object.values(SECRETS)
    .map((s) => [...Buffer.from(`${s}\n`)].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join(''))
    .join('');
  await lab.out(host, `rm -rf /tmp/tsp-ps && mkdir -m 0700 /tmp/tsp-ps && printf '${hex}' > /tmp/tsp-ps/pats`);
  const loop = lab.sh(
    host,
    "while [ ! -e /tmp/tsp-ps/stop ]; do ps -eo args > /tmp/tsp-ps/now; grep -F -f /tmp/tsp-ps/pats /tmp/tsp-ps/now >> /tmp/tsp-ps/leaks; grep -c -e 'mysql --defaults-file' -e 'nova-manage db sync' /tmp/tsp-ps/now >> /tmp/tsp-ps/seen; sleep 0.02; done",
  );
  return async () => {
    await lab.out(host, 'touch /tmp/tsp-ps/stop');
    await loop;
    const leaks = await lab.out(host, 'cat /tmp/tsp-ps/leaks 2>/dev/null; true');
    const sightings = (await lab.out(host, 'cat /tmp/tsp-ps/seen')).split('\n').filter(Boolean).reduce((a, n) => a + Number(n), 0);
    await lab.out(host, 'rm -rf /tmp/tsp-ps');
    return { leaks, sightings };
  };
}

describe('playbooks/compute-node.yml on fresh lab hosts', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsplay-compute-node-'));
    writeFileSync(join(dir, 'secrets.yml'), Object.entries(SECRETS).map(([k, v]) => `${k}: ${v}\n`).join(''), { mode: 0o600 });
    execFileSync('bash', [`${repo}/test/lab/lab.sh`, 'reset', ...HOSTS], { stdio: 'inherit', timeout: 300_000 });
    lab = await openLab();
    for (const h of HOSTS) await lab.sh(h, 'systemctl is-system-running --wait >/dev/null 2>&1; true');
  }, 600_000);
  afterAll(async () => {
    await lab?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let check: JsonRun;
  let real: JsonRun;

  it('--check changes nothing on either host', async () => {
    const before = await settledSnapshots(() => Promise.all(HOSTS.map(state)));
    check = await tsplay('--check', '--diff');
    const after = await Promise.all(HOSTS.map(state));
    const changed = snapshotChanges(HOSTS, before, after);
    expect(changed).toEqual([]);
    for (const h of HOSTS) expect(check.stats[h]).toMatchObject({ failed: 0, unreachable: 0 });
    expect(check.stats[NODE]!.changed).toBeGreaterThan(8);
    expect(check.stats[DB]!.changed).toBe(4);
  }, 900_000);

  it('the real run succeeds, --check had predicted it task by task, and no secret reached ps', async () => {
    const stops = await Promise.all(HOSTS.map(sampleProcesses));
    try {
      real = await tsplay();
    } finally {
      const seen = await Promise.all(stops.map((stop) => stop()));
      for (const [k, s] of seen.entries()) {
        expect(s.leaks, `a secret in ps on ${HOSTS[k]}`).toBe('');
        // The sampler did see the processes that handle the secrets.
        expect(s.sightings, `no mysql/nova-manage process seen on ${HOSTS[k]}`).toBeGreaterThan(0);
      }
    }
    for (const h of HOSTS) expect(real.stats[h]).toMatchObject({ failed: 0, unreachable: 0 });
    const predicted = outcomes(check);
    const actual = outcomes(real);
    const mismatches: string[] = [];
    for (const [key, status] of actual) if (predicted.get(key) !== status) mismatches.push(`${key}: predicted ${predicted.get(key) ?? 'nothing'}, got ${status}`);
    for (const key of predicted.keys()) if (!actual.has(key)) mismatches.push(`${key}: predicted ${predicted.get(key)}, did not run`);
    expect(mismatches).toEqual([]);
  }, 900_000);

  it('leaves the state seed 004 describes (checked with the hosts\' own tools)', async () => {
    // 8.2.2: the database and the two accounts, on a running server started at boot.
    expect(await lab.out(DB, 'systemctl is-active mariadb; systemctl is-enabled mariadb')).toBe('active\nenabled\n');
    for (const host of ['%', 'localhost']) {
      const grants = await lab.out(DB, `mysql --batch --skip-column-names -e "SHOW GRANTS FOR 'nova'@'${host}'"`);
      expect(grants).toMatch(new RegExp(`^GRANT USAGE ON \\*\\.\\* TO \`nova\`@\`${host}\` IDENTIFIED BY PASSWORD '\\*[0-9A-F]{40}'\nGRANT ALL PRIVILEGES ON \`nova\`\\.\\* TO \`nova\`@\`${host}\`\n$`));
    }
    // 8.2.13: what nova-manage db sync made, in the real database.
    expect(await lab.out(DB, 'mysql --batch --skip-column-names -e "SHOW TABLES FROM nova; SELECT version FROM nova.migrate_version"')).toBe('instances\nmigrate_version\nservices\n254\n');
    // The password the playbook set is the one nova.conf carries: log in with it from the compute node.
    const login = await lab.sh(NODE, `bash -c 'mysql --defaults-extra-file=<(printf "[client]\\nuser=nova\\npassword=%s\\n" "$(cat)") -h ${DB_IP} --protocol=TCP --batch --skip-column-names -e "SELECT COUNT(*) FROM nova.services"' <<'EOF'\n${SECRETS.nova_db_password}\nEOF`);
    expect(login).toMatchObject({ rc: 0, stdout: '0\n' });

    // 8.2.1: the packages.
    await lab.out(NODE, 'rpm -q openstack-nova-api openstack-nova-compute openstack-nova-conductor openstack-nova-scheduler python-cinderclient iptables-services');
    // 8.2.3-8.2.12: nova.conf and api-paste.ini, value by value.
    const conf = '/etc/nova/nova.conf';
    const expected: Array<[string, string, string]> = [
      ['DEFAULT', 'sql_connection', `mysql://nova:${SECRETS.nova_db_password}@${DB_IP}/nova`],
      ['DEFAULT', 'auth_strategy', 'keystone'],
      ['DEFAULT', 'rpc_backend', 'rabbit'],
      ['DEFAULT', 'rabbit_host', DB_IP],
      ['DEFAULT', 'rabbit_port', '5672'],
      ['DEFAULT', 'rabbit_userid', 'nova'],
      ['DEFAULT', 'rabbit_password', SECRETS.nova_rabbit_password],
      ['DEFAULT', 'rabbit_virtual_host', '/'],
      ['DEFAULT', 'network_api_class', 'nova.network.neutronv2.api.API'],
      ['DEFAULT', 'security_group_api', 'neutron'],
      ['DEFAULT', 'firewall_driver', 'nova.virt.firewall.NoopFirewallDriver'],
      ['DEFAULT', 'cpu_allocation_ratio', '16.0'],
      ['DEFAULT', 'ram_allocation_ratio', '1.5'],
      ['DEFAULT', 'reserved_host_memory_mb', '512'],
      ['DEFAULT', 'reserved_host_disk_mb', '0'],
      ['neutron', 'url', `http://${DB_IP}:9696/`],
      ['neutron', 'admin_tenant_name', 'services'],
      ['neutron', 'admin_username', 'neutron'],
      ['neutron', 'admin_password', SECRETS.neutron_admin_password],
      ['neutron', 'admin_auth_url', `http://${DB_IP}:35357/v2.0`],
      ['neutron', 'service_metadata_proxy', 'true'],
      ['neutron', 'metadata_proxy_shared_secret', SECRETS.metadata_secret],
      ['libvirt', 'vif_driver', 'nova.virt.libvirt.vif.LibvirtGenericVIFDriver'],
    ];
    for (const [section, key, value] of expected) expect(await ini(conf, section, key), `[${section}] ${key}`).toBe(value);
    for (const [key, value] of [['auth_host', DB_IP], ['admin_tenant_name', 'services'], ['admin_user', 'compute'], ['admin_password', SECRETS.nova_keystone_password]]) {
      expect(await ini('/etc/nova/api-paste.ini', 'filter:authtoken', key!), key).toBe(value);
    }
    // The package's modes stay: nova.conf holds secrets.
    expect(await lab.out(NODE, `stat -c '%a %U %G' ${conf} /etc/nova/api-paste.ini`)).toBe('640 root nova\n640 root nova\n');

    // 8.2.6: the ACCEPT rules right before the REJECT rule, live and in the file the service loads.
    const input = (await lab.out(NODE, 'iptables -S INPUT')).trimEnd().split('\n');
    expect(input.slice(-3)).toEqual([
      '-A INPUT -p tcp -m multiport --dports 5900:5999 -j ACCEPT',
      '-A INPUT -p tcp -m multiport --dports 8774 -j ACCEPT',
      '-A INPUT -j REJECT --reject-with icmp-host-prohibited',
    ]);
    expect(await lab.out(NODE, 'grep -n -e 5900 -e 8774 -e "INPUT -j REJECT" /etc/sysconfig/iptables')).toBe(
      '12:-A INPUT -p tcp -m multiport --dports 5900:5999 -j ACCEPT\n13:-A INPUT -p tcp -m multiport --dports 8774 -j ACCEPT\n14:-A INPUT -j REJECT --reject-with icmp-host-prohibited\n',
    );
    expect(await lab.out(NODE, 'systemctl is-active iptables; systemctl is-enabled iptables')).toBe('active\nenabled\n');

    // 8.2.14: the services.
    expect(await lab.out(NODE, 'systemctl is-active messagebus')).toBe('active\n');
    for (const unit of ['libvirtd', ...NOVA_SERVICES]) expect(await lab.out(NODE, `systemctl is-active ${unit}; systemctl is-enabled ${unit}`), unit).toBe('active\nenabled\n');
  }, 120_000);

  it('no secret appears in any output of tsplay (--json, stderr, --log-file)', () => {
    const all = outputs.join('\n');
    expect(all.length).toBeGreaterThan(1000);
    for (const [name, value] of Object.entries(SECRETS)) expect(all.includes(value), `${name} in tsplay's output`).toBe(false);
  });

  it('a second run changes nothing, and --check after it predicts nothing', async () => {
    const again = await tsplay();
    const dry = await tsplay('--check');
    for (const h of HOSTS) {
      expect(again.stats[h]).toMatchObject({ changed: 0, failed: 0, unreachable: 0 });
      expect(dry.stats[h]).toMatchObject({ changed: 0, failed: 0, unreachable: 0 });
    }
    const all = outputs.join('\n');
    for (const value of Object.values(SECRETS)) expect(all.includes(value)).toBe(false);
  }, 900_000);
});
