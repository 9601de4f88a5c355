import { describe, expect, it } from 'vitest';
import {
  ConnectionBudget, FILES_RESERVED, connectionCap, forksLimitError, maxForks, openFilesLimit, type Budgeted,
} from '../../../core/executor/connection-budget.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

class Conn implements Budgeted {
  pinned = false;
  closes = 0;
  constructor(readonly name: string, private readonly budget: ConnectionBudget) {}
  async closeForBudget(): Promise<void> {
    this.closes++;
    this.budget.closed(this);
  }
}

async function connect(b: ConnectionBudget, c: Conn): Promise<void> {
  await b.makeRoom();
  b.opened(c);
  b.idle(c);
}

describe('openFilesLimit', () => {
  it('reads the soft and hard limits from /proc/self/limits text', () => {
    expect(openFilesLimit(LIMITS)).toEqual({ soft: 1024, hard: 524288 });
  });
  it('reads "unlimited" as the largest safe number and unknown text as undefined', () => {
    expect(openFilesLimit('Max open files            unlimited            unlimited            files\n')?.soft).toBe(Number.MAX_SAFE_INTEGER);
    expect(openFilesLimit('nothing here')).toBeUndefined();
  });
  it("sees this process's own limit, already raised to the hard limit by Node", () => {
    const own = openFilesLimit();
    if (process.platform !== 'linux') return expect(own).toBeUndefined();
    expect(own!.soft).toBe(own!.hard);
  });
});

describe('forks against the open-files limit', () => {
  const limit = { soft: 1024, hard: 1024 };
  it('allows forks that fit and names the limit, the largest --forks and the way out otherwise', () => {
    expect(forksLimitError(maxForks(limit), limit)).toBeUndefined();
    const msg = forksLimitError(maxForks(limit) + 1, limit)!;
    expect(msg).toContain('may open only 1024');
    expect(msg).toContain(`use --forks ${maxForks(limit)} or fewer`);
    expect(msg).toContain('LimitNOFILE=');
    expect(forksLimitError(10_000, undefined)).toBeUndefined();
  });
  it('leaves the reserve and one file per fork beside the connections', () => {
    expect(connectionCap(100, limit)).toBe(1024 - FILES_RESERVED - 100);
    expect(connectionCap(100, undefined)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('ConnectionBudget', () => {
  it('closes the least recently used idle connection to make room, and counts it', async () => {
    const b = new ConnectionBudget(2);
    const [a, c, d] = ['a', 'c', 'd'].map((n) => new Conn(n, b)) as [Conn, Conn, Conn];
    await connect(b, a);
    await connect(b, c);
    b.busy(a); b.idle(a); // a used after c: c is now the oldest idle one
    await connect(b, d);
    expect([a.closes, c.closes, d.closes]).toEqual([0, 1, 0]);
    expect(b.openCount).toBe(2);
    expect(b.evictions).toBe(1);
    expect(b.peakOpen).toBe(2);
  });
  it('never closes a busy or pinned connection; goes over the cap rather than wait', async () => {
    const b = new ConnectionBudget(2);
    const [a, c, d] = ['a', 'c', 'd'].map((n) => new Conn(n, b)) as [Conn, Conn, Conn];
    await connect(b, a);
    await connect(b, c);
    b.busy(a);
    c.pinned = true;
    await connect(b, d);
    expect([a.closes, c.closes]).toEqual([0, 0]);
    expect(b.openCount).toBe(3);
    expect(b.peakOpen).toBe(3);
  });
  it('forgets a connection that closed on its own', async () => {
    const b = new ConnectionBudget(1);
    const a = new Conn('a', b);
    await connect(b, a);
    b.closed(a);
    b.idle(a); // a late "idle" of a closed connection must not bring it back
    const c = new Conn('c', b);
    await connect(b, c);
    expect(a.closes).toBe(0);
    expect(b.openCount).toBe(1);
  });
});
