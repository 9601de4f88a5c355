/**
 * service and package choose their backend from the host's facts, as Ansible's action
 * plugins do. On this controller (Debian, no systemd as PID 1) the detection command runs
 * for real; the backends themselves are tested on lab hosts (test/integration).
 */
import { describe, expect, it } from 'vitest';
import pkg from '../../../modules/package.js';
import service from '../../../modules/service.js';
import { CountingTransport } from './count-trips.js';
import { HostRuntime, run } from './general-helpers.js';

describe('service', () => {
  it('detects the service manager with one command and refuses one that is not systemd', async () => {
    const transport = new CountingTransport();
    const runtime = new HostRuntime();
    const r = await run(service, { name: 'cron', state: 'started' }, { transport, runtime });
    expect(r.failed).toBe(true);
    expect(r.msg).toMatch(/^service: localhost uses '[^']+' as its service manager \(ansible_service_mgr\); tsplay's service module manages systemd only$/);
    expect(r.msg).not.toMatch(/'systemd'/);
    expect(transport.count).toBe(1);
    // Cached for the run: the next task asks nothing.
    await run(service, { name: 'cron', state: 'started' }, { transport, runtime });
    expect(transport.count).toBe(1);
  });

  it('takes gathered facts, and runs systemd with its arguments (here: systemd is not running)', async () => {
    const transport = new CountingTransport();
    const r = await run(service, { name: 'cron', state: 'started', sleep: 2 }, { transport, vars: { ansible_service_mgr: 'systemd' } });
    expect(transport.count).toBe(1); // systemctl show, no detection
    expect(r.failed).toBe(true);
    expect(r.msg).toMatch(/could not read unit cron\.service on localhost/);
  });

  it('use: names the backend; others fail before anything runs; args is an alias of arguments', async () => {
    const transport = new CountingTransport();
    const r = await run(service, { name: 'x', use: 'sysvinit', args: '-q' }, { transport });
    expect(r).toMatchObject({ failed: true, msg: "service: use=sysvinit is not available; tsplay's service module manages systemd only (use: auto or systemd)" });
    expect(transport.count).toBe(0);
    expect((await run(service, { name: 'x', state: 'running' })).msg).toMatch(/argument 'state' must be one of: started, stopped, restarted, reloaded/);
  });
});

describe('package', () => {
  it('runs the apt module on this Debian controller (ansible_pkg_mgr apt), and refuses other managers', async () => {
    // Check mode, and a package every Debian system has: nothing can change here.
    const r = await run(pkg, { name: 'dpkg', state: 'present' }, { check: true });
    expect(r).toMatchObject({ changed: false, msg: 'all packages are already installed' });
    const z = await run(pkg, { name: 'curl', state: 'present' }, { vars: { ansible_pkg_mgr: 'zypper' } });
    expect(z).toMatchObject({ failed: true, msg: "package: localhost uses 'zypper' (ansible_pkg_mgr); tsplay's package module drives dnf, yum and apt only" });
  });

  it('requires state as Ansible does, and passes backend arguments through to yum', async () => {
    expect((await run(pkg, { name: 'curl' })).msg).toMatch(/missing required argument 'state'/);
    expect((await run(pkg, { name: 'curl', state: 'present', enablerepo: 'x', bogus: 1 })).msg).toMatch(/bogus/);
    // With the fact saying dnf, yum's own checks run: a name that is an option is refused by its schema.
    const r = await run(pkg, { name: '--setopt=x', state: 'present' }, { vars: { ansible_pkg_mgr: 'dnf' } });
    expect(r).toMatchObject({ failed: true });
    expect(r.msg).toMatch(/must not start with '-'/);
  });
});
