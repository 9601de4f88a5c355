/**
 * `tsplay run playbooks/icehouse-allinone.yml -i inventories/lab -i inventories/lab-allinone.ini`
 * (seed 000, steps 10-13) on a fresh compute4 and the lab cloud's Glance (issue 10):
 *  1. --check changes nothing, neither on the host (its files, rpm db, units, limits) nor in
 *     Glance, and warns why nova gets qemu;
 *  2. the real run succeeds and --check had predicted it task by task, handlers included;
 *  3. the end state, read with the host's own tools over OpenSSH (not tsplay's transport) and
 *     through the Glance API with a client of its own: virt_type, the image (public, the
 *     served file's md5), the disabled xen-c6 repository and its kernel, the open-files
 *     limits of a new login and of the running services, the MTU fix, and restarts that
 *     happened after the files they depend on changed;
 *  4. a second run and --check after it change nothing, and restart nothing;
 *  5. one file changed behind the playbook's back: only its task and its handlers run.
 * The image name is the seed's ("CirrOS 0.3.3"), used by no other test; it is deleted before
 * and after.
 */
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDirect, type Direct } from './openstack-direct.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const HOST = 'compute4';
const ADDRESS = '198.18.0.15';
const IMAGE = 'CirrOS 0.3.3';
const IMAGE_URL = 'http://198.18.0.5:8080/cirros-0.3.3-x86_64-disk.img';
const KERNEL = '3.10.68-11.el6.centos.alt';
const SERVICES = ['openstack-nova-compute', 'neutron-dhcp-agent', 'dnsmasq'];
const LAB_SSH = '/var/lib/tsplay-lab/ssh';

type HostResult = { changed?: boolean; failed?: boolean; skipped?: boolean; unreachable?: boolean; msg?: string };
interface JsonRun {
  plays: Array<{ play: { name: string }; tasks: Array<{ task: { name: string; handler: boolean }; hosts: Record<string, HostResult> }> }>;
  stats: Record<string, { ok: number; changed: number; failed: number; unreachable: number; skipped: number }>;
  warnings: string[];
}

let md5 = '';
let size = 0;

function tsplay(...args: string[]): JsonRun {
  const r = spawnSync(
    process.execPath,
    [`${repo}/bin/tsplay.js`, 'run', `${repo}/playbooks/icehouse-allinone.yml`, '-i', `${repo}/inventories/lab`, '-i', `${repo}/inventories/lab-allinone.ini`, '-l', HOST, '-e', `cirros_image_checksum=${md5}`, '--json', ...args],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 10 * 60_000 },
  );
  if (r.status !== 0) throw new Error(`tsplay ${args.join(' ')} exited ${r.status}\n${r.stderr}\n${r.stdout.slice(-4000)}`);
  return JSON.parse(r.stdout) as JsonRun;
}

/** A command on the host through OpenSSH with the lab's key: a new login each time (PAM included). */
function ssh(command: string): string {
  return execFileSync(
    'ssh',
    ['-i', `${LAB_SSH}/id_ed25519`, '-o', `UserKnownHostsFile=${LAB_SSH}/known_hosts`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=20', `root@${ADDRESS}`, command],
    { encoding: 'utf8', timeout: 120_000 },
  );
}

/** task key -> status; handlers keyed by name (they run at most once per flush here). */
function outcomes(run: JsonRun): Map<string, string> {
  const out = new Map<string, string>();
  for (const play of run.plays) {
    for (const t of play.tasks) {
      for (const [host, r] of Object.entries(t.hosts)) {
        out.set(`${t.task.handler ? 'handler ' : ''}${t.task.name} @ ${host}`, r.failed ? `failed: ${r.msg}` : r.skipped ? 'skipped' : r.changed ? 'changed' : 'ok');
      }
    }
  }
  return out;
}

/** Everything check mode must leave alone on the host, read with its own tools. */
function hostState(): string {
  return ssh(
    [
      'find /etc /root /boot /lib/firmware /lib/modules -xdev \\( -type f -o -type l -o -type d \\) ! -name "*.cache" -print0 2>/dev/null | sort -z | xargs -0 stat -c "%n %a %U" | sha1sum',
      'find /etc /root -xdev -type f ! -name "*.cache" -print0 | sort -z | xargs -0 sha1sum | sha1sum',
      "rpm -qa --qf '%{NAME}-%{VERSION}-%{RELEASE}\\n' | sort",
      'dnf -q repolist --all 2>/dev/null | sort',
      'systemctl list-unit-files --no-legend --no-pager | sort',
      "systemctl list-units --all --no-legend --no-pager --plain | awk '{print $1, $3, $4}' | sort",
      `for s in ${SERVICES.join(' ')}; do systemctl show -p Id,InvocationID,LimitNOFILE,DropInPaths "$s" 2>/dev/null; done`,
    ].join('; echo ==; '),
  );
}

/** The value of KEY in [SECTION] of an ini file, read with awk on the host. */
function iniGet(file: string, section: string, key: string): string {
  return ssh(`awk -F' *= *' '/^\\[/{s=$0} s=="[${section}]" && $1=="${key}"{print $2}' ${file}`).trim();
}

/** When the unit's current process started (epoch seconds), and its id. */
function started(unit: string): { at: number; invocation: string; pid: number } {
  const p = Object.fromEntries(
    ssh(`systemctl show --timestamp=unix -p ActiveEnterTimestamp,InvocationID,MainPID,ActiveState ${unit}`)
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  expect(p.ActiveState, unit).toBe('active');
  return { at: Number(String(p.ActiveEnterTimestamp).replace(/^@/, '')), invocation: p.InvocationID!, pid: Number(p.MainPID) };
}

const mtime = (file: string) => Number(ssh(`stat -c %Y ${file}`).trim());

async function deleteImages(direct: Direct): Promise<void> {
  for (const img of await direct.images(IMAGE)) await direct.deleteImage(img.id);
}

describe('playbooks/icehouse-allinone.yml on a fresh host and the lab cloud', () => {
  let direct: Direct;
  let check: JsonRun;
  let real: JsonRun;

  beforeAll(async () => {
    const inventory = execFileSync(process.execPath, [`${repo}/bin/tsplay.js`, 'inventory', '-i', `${repo}/inventories/lab`, '--list'], { encoding: 'utf8' });
    if (!inventory.includes(`"${HOST}"`) || !inventory.includes('"cloud"')) throw new Error(`inventories/lab has no ${HOST} or no cloud: bring the lab up with at least 7 hosts and --openstack`);
    execFileSync('bash', [`${repo}/test/lab/lab.sh`, 'reset', HOST], { stdio: 'inherit', timeout: 300_000 });
    ssh('systemctl is-system-running --wait >/dev/null 2>&1; true');
    direct = await openDirect('lab');
    await deleteImages(direct);
    const data = Buffer.from(await (await fetch(IMAGE_URL)).arrayBuffer());
    md5 = createHash('md5').update(data).digest('hex');
    size = data.length;
  }, 600_000);

  afterAll(async () => {
    if (direct) await deleteImages(direct);
  });

  it('--check changes nothing on the host or in Glance, and says why virt_type is qemu', async () => {
    // A freshly reset host may still be settling: wait until two reads agree.
    let before = hostState();
    for (let i = 0; i < 30; i++) {
      await new Promise((r) => setTimeout(r, 2000));
      const again = hostState();
      const settled = again === before;
      before = again;
      if (settled) break;
    }
    check = tsplay('--check', '--diff');
    const after = hostState();
    expect(after).toBe(before);
    expect(await direct.images(IMAGE)).toEqual([]);
    expect(check.stats[HOST]).toMatchObject({ failed: 0, unreachable: 0 });
    expect(check.stats[HOST]!.changed).toBeGreaterThan(10);
    expect(check.warnings).toEqual([
      expect.stringMatching(/^compute4: KVM is not available: there is no \/dev\/kvm device, and the kernel lists no modules at all \(no \/proc\/modules: .*\); nova will use virt_type=qemu/),
    ]);
  }, 600_000);

  it('the real run succeeds, and --check had predicted it task by task', () => {
    real = tsplay();
    expect(real.stats[HOST]).toMatchObject({ failed: 0, unreachable: 0 });
    expect(outcomes(real)).toEqual(outcomes(check));
    expect([...outcomes(real).entries()].filter(([k]) => k.startsWith('handler ')).map(([k, v]) => `${k.replace(` @ ${HOST}`, '')}: ${v}`)).toEqual([
      'handler reload systemd units: ok',
      'handler restart openstack-nova-compute: changed',
      'handler restart dnsmasq: changed',
      'handler restart neutron-dhcp-agent: changed',
    ]);
    expect(real.warnings).toEqual(check.warnings);
  }, 600_000);

  it('leaves the state of steps 10-13, read over OpenSSH and from the Glance API', async () => {
    // Step 10: no KVM here (README: no kernel modules, no /dev/kvm), so qemu; nova restarted after.
    expect(ssh('test -e /dev/kvm && echo kvm; test -e /proc/modules && echo modules; true')).toBe('');
    expect(iniGet('/etc/nova/nova.conf', 'libvirt', 'virt_type')).toBe('qemu');
    const nova = started('openstack-nova-compute');
    expect(nova.at).toBeGreaterThanOrEqual(mtime('/etc/nova/nova.conf'));

    // Step 11: one public image of the seed's name, holding the file the lab serves.
    const images = await direct.images(IMAGE);
    expect(images).toHaveLength(1);
    expect(images[0]).toMatchObject({ name: IMAGE, status: 'active', visibility: 'public', disk_format: 'qcow2', container_format: 'bare', checksum: md5, size });

    // Step 12: the repository exists, stays disabled, and the kernel came from it.
    expect(ssh('cat /etc/yum.repos.d/xen-c6.repo')).toBe(
      '[xen-c6]\nbaseurl = file:///var/lib/tsplay-lab/repo/xen-c6\nenabled = 0\ngpgcheck = 0\nname = CentOS-$releasever - Xen\npriority = 1\n',
    );
    expect(ssh('dnf -q repolist --disabled')).toMatch(/^xen-c6\s+CentOS-7 - Xen$/m);
    expect(ssh('dnf -q repolist --enabled')).not.toMatch(/xen-c6/);
    expect(ssh("rpm -q --qf '%{NAME} %{VERSION}-%{RELEASE}\\n' kernel kernel-firmware")).toBe(`kernel ${KERNEL}\nkernel-firmware ${KERNEL}\n`);
    expect(ssh('dnf -q list --installed kernel kernel-firmware')).toMatch(/kernel\.noarch\s+3\.10\.68-11\.el6\.centos\.alt\s+@xen-c6/);

    // Step 13: a new login (PAM) gets the limit; the running services too (drop-in read: daemon-reload, then restart).
    expect(ssh('ulimit -Sn; ulimit -Hn')).toBe('5000\n5000\n');
    for (const unit of ['openstack-nova-compute', 'neutron-dhcp-agent']) {
      expect(ssh(`systemctl show -p LimitNOFILE -p LimitNOFILESoft ${unit}`)).toBe('LimitNOFILE=5000\nLimitNOFILESoft=5000\n');
      const { pid } = started(unit);
      expect(ssh(`awk '/^Max open files/{print $4, $5}' /proc/${pid}/limits`)).toBe('5000 5000\n');
    }
    expect(iniGet('/etc/neutron/dhcp_agent.ini', 'DEFAULT', 'dnsmasq_config_file')).toBe('/etc/dnsmasq.d/dnsmasq.conf');
    expect(ssh('cat /etc/dnsmasq.d/dnsmasq.conf')).toBe('dhcp-option=26,1450\n');
    expect(started('dnsmasq').at).toBeGreaterThanOrEqual(mtime('/etc/dnsmasq.d/dnsmasq.conf'));
    expect(started('neutron-dhcp-agent').at).toBeGreaterThanOrEqual(Math.max(mtime('/etc/dnsmasq.d/dnsmasq.conf'), mtime('/etc/neutron/dhcp_agent.ini')));
  }, 120_000);

  it('a second run and --check after it change nothing and restart nothing', () => {
    const before = SERVICES.map((s) => started(s).invocation);
    const again = tsplay();
    const dry = tsplay('--check');
    expect(again.stats[HOST]).toMatchObject({ changed: 0, failed: 0, unreachable: 0 });
    expect(dry.stats[HOST]).toMatchObject({ changed: 0, failed: 0, unreachable: 0 });
    expect([...outcomes(again).keys()].filter((k) => k.startsWith('handler '))).toEqual([]);
    expect(SERVICES.map((s) => started(s).invocation)).toEqual(before);
    // The warning is about the host, not about a change: every run says it.
    expect(again.warnings).toHaveLength(1);
  }, 600_000);

  it('dnsmasq.conf changed behind its back: check predicts exactly the fix and its two restarts; nova is left alone', () => {
    ssh("sed -i 's/^dhcp-option=26,1450$/dhcp-option=26,1400/' /etc/dnsmasq.d/dnsmasq.conf");
    const before = Object.fromEntries(SERVICES.map((s) => [s, started(s).invocation]));
    const dry = tsplay('--check');
    const changedIn = (run: JsonRun) => [...outcomes(run).entries()].filter(([, v]) => v === 'changed').map(([k]) => k.replace(` @ ${HOST}`, ''));
    const expected = ['Step 13: DHCP option 26 gives instances the VXLAN MTU', 'handler restart dnsmasq', 'handler restart neutron-dhcp-agent'];
    expect(changedIn(dry)).toEqual(expected);
    expect(ssh('cat /etc/dnsmasq.d/dnsmasq.conf')).toBe('dhcp-option=26,1400\n');
    const fix = tsplay();
    expect(changedIn(fix)).toEqual(expected);
    expect(ssh('cat /etc/dnsmasq.d/dnsmasq.conf')).toBe('dhcp-option=26,1450\n');
    const after = Object.fromEntries(SERVICES.map((s) => [s, started(s).invocation]));
    expect(after['openstack-nova-compute']).toBe(before['openstack-nova-compute']);
    expect(after.dnsmasq).not.toBe(before.dnsmasq);
    expect(after['neutron-dhcp-agent']).not.toBe(before['neutron-dhcp-agent']);
  }, 600_000);
});
