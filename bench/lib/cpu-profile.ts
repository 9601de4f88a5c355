/**
 * Where a V8 CPU profile (node --cpu-prof) spent its time, in the categories that matter
 * for a run: loading code at start-up, SSH (ssh2's handshakes, crypto and channels), the
 * engine, the modules, YAML parsing, garbage collection, and idle (waiting on the targets
 * and the network). Each sample goes to one category: start-up when any frame of its stack
 * is Node's module loader, else the first known frame from the leaf up.
 */
export interface CpuBreakdown {
  totalMs: number;
  byCategory: Record<string, number>;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const RULES: Array<[string, (url: string, fn: string) => boolean]> = [
  ['ssh (ssh2: handshakes, crypto, channels)', (u) => u.includes('/node_modules/ssh2/')],
  ['YAML parsing', (u) => u.includes('/node_modules/yaml/')],
  ['modules (dist/modules)', (u) => u.includes('/dist/modules/')],
  ['engine (dist/core)', (u) => u.includes('/dist/core/')],
  ['other libraries', (u) => u.includes('/node_modules/')],
];

export function summarizeCpuProfile(p: CpuProfile): CpuBreakdown {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const category = new Map<number, string>();
  const classify = (id: number): string => {
    const known = category.get(id);
    if (known) return known;
    const leaf = byId.get(id)!.callFrame.functionName;
    let result: string | undefined;
    if (leaf === '(idle)') result = 'idle (waiting on targets and network)';
    else if (leaf === '(garbage collector)') result = 'garbage collection';
    else {
      const stack: ProfileNode[] = [];
      for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) stack.push(byId.get(x)!);
      if (stack.some((n) => n.callFrame.url.startsWith('node:internal/modules/'))) result = 'start-up: loading code';
      else {
        for (const n of stack) {
          const rule = RULES.find(([, test]) => test(n.callFrame.url, n.callFrame.functionName));
          if (rule) { result = rule[0]; break; }
        }
      }
    }
    result ??= 'node internals and other';
    category.set(id, result);
    return result;
  };
  const byCategory: Record<string, number> = {};
  for (let i = 0; i < p.samples.length; i++) {
    const c = classify(p.samples[i]!);
    byCategory[c] = (byCategory[c] ?? 0) + (p.timeDeltas[i] ?? 0) / 1000;
  }
  const sorted = Object.fromEntries(Object.entries(byCategory).sort((a, b) => b[1] - a[1]));
  return { totalMs: (p.endTime - p.startTime) / 1000, byCategory: sorted };
}
