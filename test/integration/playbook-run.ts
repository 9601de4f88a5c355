/**
 * Shared by the playbook tests (juno-2node, compute-node): the shape of `tsplay run --json`
 * and each task's outcome per host, so a --check run can be compared with the real one.
 */
export interface JsonRun {
  plays: Array<{ play: { name: string }; tasks: Array<{ task: { name: string; path: string; handler: boolean }; hosts: Record<string, { changed?: boolean; failed?: boolean; skipped?: boolean; unreachable?: boolean }> }> }>;
  stats: Record<string, { ok: number; changed: number; failed: number; unreachable: number; skipped: number }>;
}

/** task key → host → status, handlers keyed by name (they may run several times). */
export function outcomes(run: JsonRun): Map<string, string> {
  const out = new Map<string, string>();
  const seen = new Map<string, number>();
  for (const play of run.plays) {
    for (const t of play.tasks) {
      for (const [host, r] of Object.entries(t.hosts)) {
        const base = `${play.play.name} / ${t.task.handler ? 'handler ' : ''}${t.task.name} @ ${host}`;
        const n = (seen.get(base) ?? 0) + 1;
        seen.set(base, n);
        out.set(`${base} #${n}`, r.failed ? 'failed' : r.skipped ? 'skipped' : r.changed ? 'changed' : 'ok');
      }
    }
  }
  return out;
}

/**
 * Snapshots of every host, taken again every 2 s until two agree: a freshly reset host is
 * still settling (boot-time units), and a check run must be compared with a still picture.
 */
export async function settledSnapshots(take: () => Promise<string[]>): Promise<string[]> {
  let before = await take();
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, 2000));
    const again = await take();
    const settled = again.every((s, k) => s === before[k]);
    before = again;
    if (settled) break;
  }
  return before;
}

/** Lines that differ between two snapshots of each host: "host - line" / "host + line". */
export function snapshotChanges(hosts: readonly string[], before: readonly string[], after: readonly string[]): string[] {
  return hosts.flatMap((h, k) => {
    const b = new Set(before[k]!.split('\n'));
    const a = new Set(after[k]!.split('\n'));
    return [...[...b].filter((l) => !a.has(l)).map((l) => `${h} - ${l}`), ...[...a].filter((l) => !b.has(l)).map((l) => `${h} + ${l}`)];
  });
}
