/**
 * `setup` (and the implicit "Gathering Facts"): collect facts about the host in ONE round
 * trip - a single POSIX sh script prints raw sections, the controller parses them into
 * Ansible's `ansible_*` facts. No Python needed on the host.
 */
import picomatch from 'picomatch';
import { defineModule } from '../core/modules/api.js';
import { parseFacts } from './_lib/facts-parse.js';
import { factsScript, resolveSubsets, SubsetError } from './_lib/facts-script.js';

interface SetupArgs {
  gather_subset: string[];
  filter: string[];
  gather_timeout: number;
  fact_path?: string;
}

export default defineModule<SetupArgs>({
  name: 'setup',
  aliases: ['gather_facts'],
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      gather_subset: {
        type: 'array',
        items: { type: 'string' },
        default: ['all'],
        description: "Subsets: all, min, hardware, network, virtual, or a min fact (distribution, date_time...); '!name' excludes.",
      },
      filter: { type: 'array', items: { type: 'string' }, default: [], description: "Only return facts whose name matches one of these shell-style patterns ('ansible_eth*')." },
      gather_timeout: { type: 'integer', default: 10, minimum: 1, description: 'Seconds before fact gathering is abandoned.' },
      fact_path: { type: 'string', description: 'Accepted for compatibility; local facts (facts.d) are not collected.' },
    },
  },
  docs: {
    short: 'Gather facts about the host (runs automatically as "Gathering Facts")',
    description: [
      'Collects, in one command on the host: hostname, fqdn, domain; OS family, distribution, version, major',
      "version and release (from /etc/os-release, with EL's full version from /etc/redhat-release); kernel and",
      'architecture; network interfaces with IPv4/IPv6 addresses, MAC, MTU and type, the default IPv4/IPv6',
      'routes; memory and swap; processors and cpu count; mounts with sizes; the service manager (systemd...)',
      'and package manager; SELinux and AppArmor state; DNS resolvers; date and time; the remote user; the',
      'environment; virtualization. Facts use Ansible\'s names (`ansible_os_family`, `ansible_default_ipv4.address`,',
      '`ansible_eth0.ipv4.address` - dashes in interface names become underscores, as in Ansible).',
      '',
      '`gather_subset` narrows what is collected (`["!all", "network"]`), `filter` what is returned.',
      '',
      'The `virtual` subset also reads whether this host can run KVM guests: `ansible_virtualization_tech_host`',
      "is `[kvm]` when the kvm module is loaded (Ansible's fact), and `ansible_kvm` (tsplay's own fact) says",
      'why or why not: `device` (/dev/kvm is a character device), `device_writable` (the gathering user can',
      'open it read-write), `modules_listed` (the kernel has /proc/modules; a kernel without loadable modules',
      'or a container has none), `modules` (the loaded kvm, kvm_intel, kvm_amd: what `lsmod | grep kvm` shows)',
      'and `available` (= `device`: the module without the device node cannot be used, KVM built into the',
      'kernel has the node and no module).',
    ].join('\n'),
    examples: [
      '- name: Refresh network facts after reconfiguring interfaces',
      '  setup:',
      '    gather_subset: ["!all", network]',
      '',
      '- name: Only the distribution facts',
      '  setup:',
      '    filter: ["ansible_distribution*", ansible_os_family]',
      '',
      '- name: Can this host run KVM guests? (one command, nothing else gathered)',
      '  setup:',
      '    gather_subset: ["!all", "!min", virtual]',
      '',
      '- name: nova uses KVM where the host has it, else plain emulation',
      '  ini_set:',
      '    path: /etc/nova/nova.conf',
      '    section: libvirt',
      '    option: virt_type',
      '    value: "{{ \'kvm\' if ansible_kvm.available else \'qemu\' }}"',
      '',
      '- hosts: all',
      '  gather_facts: true   # the default: setup runs before the first task',
      '  tasks:',
      '    - debug:',
      '        msg: "{{ansible_hostname}}: {{ansible_default_ipv4.address}} ({{ansible_os_family}})"',
      '',
    ].join('\n'),
    returns: {
      ansible_facts: 'The facts, keyed by their ansible_ names; each is also a top-level variable.',
      'ansible_facts.ansible_kvm': '{device, device_writable, modules_listed, modules, available} (virtual subset; tsplay only)',
    },
    notes: [
      'Not collected (they need Python or run code from the host): ansible_python*, ansible_local (facts.d), capabilities.',
      'Without iproute2 on the host, interfaces come from /sys and IPv6 addresses from /proc; IPv4 addresses need `ip`.',
    ],
  },
  async run(ctx) {
    const a = ctx.args;
    let sections;
    try {
      sections = resolveSubsets(a.gather_subset);
    } catch (err) {
      if (err instanceof SubsetError) return ctx.fail(err.message);
      throw err;
    }
    const res = await ctx.run(factsScript(sections), { timeoutMs: a.gather_timeout * 1000 });
    if (res.rc !== 0) return ctx.fail(`fact gathering failed on ${ctx.host.name}: ${res.stderr.trim() || `exit ${res.rc}`}`);
    let facts = parseFacts(res.stdout);
    if (a.filter.length) {
      const matchers = a.filter.map((f) => picomatch(f, { dot: true }));
      facts = Object.fromEntries(Object.entries(facts).filter(([k]) => matchers.some((m) => m(k))));
    }
    facts.ansible_gather_subset = a.gather_subset;
    facts.module_setup = true;
    return { changed: false, ansible_facts: facts };
  },
});
