/** hostname: what fails before anything runs (the lab test covers hostnamectl itself). */
import { describe, expect, it } from 'vitest';
import hostname from '../../../modules/hostname.js';
import { CountingTransport } from './count-trips.js';
import { run } from './general-helpers.js';

describe('hostname arguments', () => {
  it('refuses names that are options, have spaces or are too long, and strategies other than systemd', async () => {
    const transport = new CountingTransport();
    expect((await run(hostname, { name: '--static' }, { transport })).msg).toMatch(/must not start with '-'/);
    expect((await run(hostname, { name: 'a b' }, { transport })).failed).toBe(true);
    expect((await run(hostname, { name: 'x'.repeat(65) }, { transport })).failed).toBe(true);
    expect((await run(hostname, { name: 'h', use: 'debian' }, { transport })).msg).toBe('hostname: use=debian is not available in tsplay; only the systemd strategy (hostnamectl) is implemented');
    expect(transport.count).toBe(0);
  });
});
