/**
 * Preloaded into tsplay by the benchmark (`node --import`), never by tsplay itself: counts
 * the remote commands (ssh2 `exec` channels) per host and records the key exchange each
 * connection negotiated, by wrapping ssh2's Client methods. tsplay's code is not changed.
 * Written as JSON to $TSPLAY_BENCH_COUNT_FILE when the process exits.
 */
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const out = process.env.TSPLAY_BENCH_COUNT_FILE;
if (out) {
  // The same module instance tsplay gets: resolved from the working directory (the repo).
  const require = createRequire(join(process.cwd(), 'package.json'));
  const ssh2 = require('ssh2') as { Client: { prototype: Record<string, unknown> } };
  const proto = ssh2.Client.prototype as Record<string, (...args: unknown[]) => unknown>;
  const execsPerHost: Record<string, number> = {};
  const kex: Record<string, number> = {};
  let connections = 0;
  const hostOf = new WeakMap<object, string>();

  const origConnect = proto.connect!;
  proto.connect = function (this: { on(ev: string, fn: (n: { kex: string }) => void): void }, ...args: unknown[]) {
    const cfg = args[0] as { host?: string } | undefined;
    hostOf.set(this, cfg?.host ?? '?');
    connections++;
    this.on('handshake', (n) => { kex[n.kex] = (kex[n.kex] ?? 0) + 1; });
    return origConnect.apply(this, args);
  };
  const origExec = proto.exec!;
  proto.exec = function (this: object, ...args: unknown[]) {
    const host = hostOf.get(this) ?? '?';
    execsPerHost[host] = (execsPerHost[host] ?? 0) + 1;
    return origExec.apply(this, args);
  };
  process.on('exit', () => {
    writeFileSync(out, JSON.stringify({ connections, kex, execsPerHost }));
  });
}
