/**
 * playbooks/icehouse-allinone.yml, step 10: the virt_type decision and the warning that
 * explains it, rendered from the playbook's own text for every shape of `ansible_kvm` (the
 * lab can only show one: no /dev/kvm, no /proc/modules). The playbook also loads and
 * validates as a whole.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { Templar } from '../../../core/template/templar.js';
import { evaluateCondition } from '../../../core/template/expression.js';
import { loadPlaybook } from '../../../core/playbook/load.js';
import { ModuleRegistry } from '../../../core/modules/registry.js';
import { kvmState } from '../../../modules/_lib/facts-parse.js';

const file = fileURLToPath(new URL('../../../playbooks/icehouse-allinone.yml', import.meta.url));
const tasks = (parse(readFileSync(file, 'utf8')) as Array<{ tasks: Array<Record<string, any>> }>)[0]!.tasks;
const task = (start: string) => tasks.find((t) => String(t.name).startsWith(start))!;
const templar = new Templar();

function decide(kvmSection: string[]): { virtType: unknown; warning?: string } {
  const vars: Record<string, unknown> = { ansible_kvm: kvmState(kvmSection.join('\n')) };
  const warn = task('Step 10: without KVM');
  const virtType = templar.render(task("Step 10: nova's hypervisor").ini_set.value, vars);
  if (!evaluateCondition(warn.when, vars)) return { virtType };
  const taskVars = { ...vars, kvm_missing: templar.render(warn.vars.kvm_missing, vars) };
  return { virtType, warning: String(templar.render(warn.warn.msg, taskVars)) };
}

describe('icehouse-allinone step 10: virt_type and why', () => {
  it('a KVM host (seed 000: `lsmod | grep kvm` shows kvm_intel and kvm): kvm, no warning', () => {
    expect(decide(['device', 'device-rw', 'proc-modules', 'module kvm_intel', 'module kvm'])).toEqual({ virtType: 'kvm' });
  });

  it('the lab: no device, no /proc/modules', () => {
    expect(decide([])).toEqual({
      virtType: 'qemu',
      warning:
        'KVM is not available: there is no /dev/kvm device, and the kernel lists no modules at all (no /proc/modules: a container, or a kernel without loadable modules); nova will use virt_type=qemu, plain emulation: instances run, much more slowly',
    });
  });

  it('modules listed, none of them kvm: says how to get it', () => {
    expect(decide(['proc-modules']).warning).toContain('there is no /dev/kvm device, and no kvm module is loaded (enable VT-x/AMD-V, load kvm_intel or kvm_amd); nova will use virt_type=qemu');
  });

  it('the modules loaded but no device node (a container without /dev/kvm)', () => {
    expect(decide(['proc-modules', 'module kvm_amd', 'module kvm'])).toMatchObject({ virtType: 'qemu', warning: expect.stringContaining('and the modules kvm_amd, kvm are loaded but give no device node;') });
  });

  it('the playbook loads and validates (modules, arguments, handler names)', async () => {
    const registry = await ModuleRegistry.create();
    const pb = await loadPlaybook(file, { isModule: (n: string) => registry.has(n), suggestModules: (n: string) => registry.suggest(n), freeFormOf: (n: string) => registry.get(n)?.freeForm });
    expect(pb.plays).toHaveLength(1);
  });
});
