/**
 * The lab's stub RDO Juno repositories behave like the real ones where playbooks can tell:
 * rdo-release enables the openstack-juno repo, two nova versions make `update` do work,
 * %config(noreplace) keeps edited files, the CentOS presets decide what %post enables,
 * openstack-config has crudini's semantics, and packstack generates, checks and applies an
 * answer file. Runs on one lab host through the system ssh client and cleans up after itself.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const INVENTORY = fileURLToPath(new URL('../../inventories/lab', import.meta.url));
const RDO_RPM = '/var/lib/tsplay-lab/repo/rdo-release-juno.rpm';
const INSTALLED_BY_TESTS = 'rdo-release openstack-* python-neutronclient python-glanceclient python-netaddr libvirt dnsmasq rabbitmq-server mariadb-server';

function labHost(name: string) {
  const ini = readFileSync(path.join(INVENTORY, 'hosts.ini'), 'utf8');
  const line = ini.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`${name} is not in ${INVENTORY}/hosts.ini: run 'npm run lab -- up' first`);
  return /ansible_host=(\S+)/.exec(line)![1]!;
}

const address = labHost('opctl');
const all = readFileSync(path.join(INVENTORY, 'group_vars', 'all.yml'), 'utf8');
const key = /^ansible_ssh_private_key_file:\s*(\S+)/m.exec(all)![1]!;
const common = /^ansible_ssh_common_args:\s*"(.*)"/m.exec(all)![1]!.split(/\s+/);

/** stdout of `command` as root on opctl; rejects with stderr and code on failure. */
async function sh(command: string): Promise<string> {
  const { stdout } = await run('ssh', ['-o', 'BatchMode=yes', '-i', key, ...common, `root@${address}`, command], {
    timeout: 120_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout.trim();
}

async function fails(command: string): Promise<{ code: number; stderr: string }> {
  try {
    await sh(command);
  } catch (e) {
    const err = e as { code: number; stderr: string };
    return { code: err.code, stderr: err.stderr };
  }
  throw new Error(`expected '${command}' to fail`);
}

async function cleanUp() {
  await sh(
    `systemctl stop 'openstack-*' 'neutron-*' libvirtd dnsmasq rabbitmq-server mariadb 2>/dev/null; ` +
      `dnf -y -q remove ${INSTALLED_BY_TESTS} >/dev/null 2>&1; ` +
      `for b in br-int br-tun br-ex; do ovs-vsctl --if-exists del-br $b; done; ` +
      `rm -rf /root/answer-*.txt /root/packstack-answers-* /root/keystonerc_admin /etc/nova /etc/neutron /tmp/oc-*; true`,
  );
}

beforeAll(cleanUp, 300_000);
afterAll(cleanUp, 300_000);

describe('stub RDO Juno repositories on a lab host', () => {
  it('rdo-release (installed by path) enables openstack-juno; packages resolve across repositories', async () => {
    expect(await fails('dnf -q repoquery --repo=openstack-juno openstack-packstack')).toMatchObject({ code: 1 });
    await sh(`yum -y -q install ${RDO_RPM}`);
    expect(await sh('yum -q repolist enabled')).toMatch(/^openstack-juno\s/m);
    // nova-compute (openstack-juno) requires libvirt (base): one transaction pulls both.
    await sh('yum -y -q install openstack-nova-compute-2014.2.1');
    expect(await sh("rpm -q --qf '%{NAME}-%{VERSION}\\n' openstack-nova-compute openstack-nova-common libvirt")).toBe(
      'openstack-nova-compute-2014.2.1\nopenstack-nova-common-2014.2.1\nlibvirt-1.2.8',
    );
  });

  it('updates nova to 2014.2.2 and keeps an edited %config(noreplace) nova.conf', async () => {
    await sh("sed -i 's/^#virt_type=kvm$/virt_type=qemu/' /etc/nova/nova.conf");
    expect(await fails('yum -q check-update openstack-nova-common')).toMatchObject({ code: 100 });
    await sh('yum -y -q update');
    expect(await sh("rpm -q --qf '%{VERSION}\\n' openstack-nova-common openstack-nova-compute")).toBe('2014.2.2\n2014.2.2');
    expect(await sh('grep -x virt_type=qemu /etc/nova/nova.conf')).toBe('virt_type=qemu');
    expect(await sh("rpm -q --qf '%{VERSION}\\n' initscripts")).toBe('9.49.24');
  });

  it('presets services as CentOS 7 does: libvirtd enabled on install, nova services not', async () => {
    expect(await sh('systemctl is-enabled libvirtd')).toBe('enabled');
    expect((await fails('systemctl is-enabled openstack-nova-compute')).code).toBe(1);
    await sh('systemctl start openstack-nova-compute');
    expect(await sh('systemctl is-active openstack-nova-compute; ps -o user= -C nova-compute')).toBe('active\nnova');
    // %preun of the removed package stops and disables its unit.
    await sh('systemctl enable openstack-nova-compute && dnf -y -q remove openstack-nova-compute');
    expect((await fails('systemctl is-active openstack-nova-compute')).code).not.toBe(0);
  });

  it('openstack-config sets, gets and deletes like crudini, and leaves a file alone when nothing changes', async () => {
    await sh('dnf -y -q install openstack-utils && printf "[DEFAULT]\\n#debug=false\\n" > /tmp/oc-test.ini');
    await sh('openstack-config --set /tmp/oc-test.ini DEFAULT debug True');
    await sh('openstack-config --set /tmp/oc-test.ini neutron url http://198.18.0.10:9696');
    expect(await sh('cat /tmp/oc-test.ini')).toBe('[DEFAULT]\n#debug=false\ndebug = True\n\n[neutron]\nurl = http://198.18.0.10:9696');
    const before = await sh('stat -c %Y.%i /tmp/oc-test.ini; sleep 1.1');
    await sh('openstack-config --set /tmp/oc-test.ini DEFAULT debug True');
    expect(await sh('stat -c %Y.%i /tmp/oc-test.ini')).toBe(before.split('\n')[0]);
    expect(await sh('openstack-config --get /tmp/oc-test.ini neutron url')).toBe('http://198.18.0.10:9696');
    expect(await fails('openstack-config --get /tmp/oc-test.ini neutron nope')).toMatchObject({ code: 1, stderr: expect.stringContaining('Parameter not found: nope') });
    await sh('openstack-config --del /tmp/oc-test.ini neutron url');
    expect((await fails('openstack-config --get /tmp/oc-test.ini neutron url')).code).toBe(1);
  });

  it('packstack writes an answer file, rejects a broken one naming the line, and applies a valid one offline', async () => {
    await sh('dnf -y -q install openstack-packstack');
    await sh('packstack --gen-answer-file=/root/answer-test.txt');
    const answers = await sh('cat /root/answer-test.txt');
    expect(answers.split('\n')[0]).toBe('[general]');
    for (const key of ['CONFIG_DEFAULT_PASSWORD', 'CONFIG_NOVA_INSTALL', 'CONFIG_CONTROLLER_HOST', 'CONFIG_COMPUTE_HOSTS', 'CONFIG_NETWORK_HOSTS',
      'CONFIG_AMQP_HOST', 'CONFIG_MARIADB_HOST', 'CONFIG_KEYSTONE_REGION', 'CONFIG_NEUTRON_OVS_TUNNEL_IF', 'CONFIG_MONGODB_HOST',
      'CONFIG_NEUTRON_ML2_TYPE_DRIVERS', 'CONFIG_NEUTRON_ML2_TENANT_NETWORK_TYPES', 'CONFIG_KEYSTONE_ADMIN_PW', 'CONFIG_PROVISION_DEMO']) {
      expect(answers).toMatch(new RegExp(`^${key}=`, 'm'));
    }
    expect(answers).toMatch(new RegExp(`^CONFIG_CONTROLLER_HOST=${address.replace(/\./g, '\\.')}$`, 'm'));

    await sh("cp /root/answer-test.txt /root/answer-bad.txt && sed -i 's/^CONFIG_NOVA_INSTALL=y$/CONFIG_NOVA_INSTALL=maybe/' /root/answer-bad.txt");
    const line = await sh("grep -n '^CONFIG_NOVA_INSTALL=' /root/answer-bad.txt | cut -d: -f1");
    const bad = await fails('packstack --answer-file=/root/answer-bad.txt');
    expect(bad.stderr).toContain(`/root/answer-bad.txt:${line}: CONFIG_NOVA_INSTALL must be y or n`);

    await sh(
      'for kv in CONFIG_KEYSTONE_ADMIN_PW=admin CONFIG_PROVISION_DEMO=n CONFIG_NEUTRON_ML2_VXLAN_GROUP=224.0.0.1; do ' +
        'openstack-config --set /root/answer-test.txt general ${kv%%=*} ${kv#*=}; done',
    );
    expect(await sh('packstack --answer-file=/root/answer-test.txt')).toContain('**** Installation completed successfully ******');
    expect(await sh('openstack-config --get /etc/neutron/plugins/ml2/ml2_conf.ini ml2 tenant_network_types')).toBe('vxlan');
    expect(await sh('openstack-config --get /etc/neutron/plugins/ml2/ml2_conf.ini ml2_type_vxlan vxlan_group')).toBe('224.0.0.1');
    expect(await sh('openstack-config --get /etc/neutron/plugins/openvswitch/ovs_neutron_plugin.ini ovs local_ip')).toBe(address);
    expect(await sh('. /root/keystonerc_admin && echo $OS_USERNAME $OS_PASSWORD $OS_AUTH_URL')).toBe(`admin admin http://${address}:5000/v2.0/`);
    expect((await sh('ovs-vsctl list-br')).split('\n')).toEqual(expect.arrayContaining(['br-int', 'br-tun', 'br-ex']));
    expect(await sh('systemctl is-active neutron-server openstack-nova-api rabbitmq-server')).toBe('active\nactive\nactive');
    expect(await sh('. /root/keystonerc_admin && neutron agent-list -c agent_type -c alive')).toMatch(/\| Open vSwitch agent \| :-\)\s+\|/);
  });
});
