import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InventoryError } from '../../../core/inventory/errors.js';
import { load, names, tree } from './helpers.js';

/** A /bin/sh inventory script answering --list with LIST and --host H from a case table. */
function script(list: string, hosts: Record<string, string> = {}, logTo?: string): string {
  const cases = Object.entries(hosts)
    .map(([h, json]) => `    ${h}) echo '${json}' ;;`)
    .join('\n');
  return `#!/bin/sh
${logTo ? `echo "$*" >> ${logTo}` : ''}
if [ "$1" = "--list" ]; then
cat <<'JSON'
${list}
JSON
elif [ "$1" = "--host" ]; then
  case "$2" in
${cases}
    *) echo '{}' ;;
  esac
fi
`;
}

describe('inventory scripts', () => {
  it('reads groups, vars, children and _meta.hostvars from --list, without calling --host', async () => {
    const dir = tree({});
    const log = `${dir}/calls.log`;
    const d2 = tree({
      'inv.sh': script(
        JSON.stringify({
          web: { hosts: ['w1', 'w2'], vars: { http_port: 80 }, children: ['canary'] },
          canary: ['w1'],
          db: { hosts: ['d1'] },
          _meta: { hostvars: { w1: { ansible_host: '10.0.0.1' } } },
        }),
        {},
        log,
      ),
    });
    const inv = await load(d2, ['inv.sh']);
    expect(names(inv.selectHosts('web'))).toEqual(['w1', 'w2']);
    expect(inv.groups.get('web')!.children).toEqual(['canary']);
    expect(inv.varsFor('w1')).toMatchObject({ ansible_host: '10.0.0.1', http_port: 80 });
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual(['--list']);
  });

  it('calls --host for each host when _meta is absent', async () => {
    const dir = tree({});
    const log = `${dir}/calls.log`;
    const d2 = tree({ 'inv.sh': script(JSON.stringify({ g: ['a', 'b'] }), { a: '{"x": 1}', b: '' }, log) });
    const inv = await load(d2, ['inv.sh']);
    expect(inv.varsFor('a')['x']).toBe(1);
    expect(inv.varsFor('b')['x']).toBeUndefined();
    expect(readFileSync(log, 'utf8').trim().split('\n').sort()).toEqual(['--host a', '--host b', '--list']);
  });

  it("accepts Ansible's legacy shorthand: a group object without hosts/vars/children is a host with vars", async () => {
    const d = tree({ 'inv.sh': script(JSON.stringify({ solo: { ansible_host: '1.2.3.4' }, _meta: { hostvars: {} } })) });
    const inv = await load(d, ['inv.sh']);
    expect(inv.hosts.has('solo')).toBe(true);
    expect(inv.varsFor('solo')['ansible_host']).toBe('1.2.3.4');
  });

  it('passes stderr of a successful script to the warnings', async () => {
    const d = tree({ 'inv.sh': '#!/bin/sh\necho "cache is stale" >&2\necho \'{"g": ["a"]}\'\n' });
    const inv = await load(d, ['inv.sh']);
    expect(inv.warnings.join('\n')).toMatch(/cache is stale/);
  });

  it('fails with the exit status and stderr of a failing script', async () => {
    const d = tree({ 'inv.sh': '#!/bin/sh\necho "cannot reach the CMDB" >&2\nexit 3\n' });
    const err = await load(d, ['inv.sh']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InventoryError);
    expect((err as Error).message).toMatch(/inventory script .*inv.sh --list exited with status 3:\ncannot reach the CMDB/);
  });

  it('fails on output that is not JSON, or not the expected shape', async () => {
    const bad = tree({ 'inv.sh': '#!/bin/sh\necho "web1 web2"\n' });
    await expect(load(bad, ['inv.sh'])).rejects.toThrow(/output of --list is not valid JSON/);
    const list = tree({ 'inv.sh': '#!/bin/sh\necho \'["web1"]\'\n' });
    await expect(load(list, ['inv.sh'])).rejects.toThrow(/must be a JSON object of groups, got an array/);
    const hosts = tree({ 'inv.sh': '#!/bin/sh\necho \'{"g": {"hosts": "web1"}}\'\n' });
    await expect(load(hosts, ['inv.sh'])).rejects.toThrow(/group 'g' has a bad host list/);
  });

  it('stops a script that runs too long', async () => {
    const d = tree({ 'inv.sh': '#!/bin/sh\nsleep 5\n' });
    await expect(load(d, ['inv.sh'], { scriptTimeoutMs: 200 })).rejects.toThrow(/was stopped after 200 ms/);
  });
});
