/** Per-host counters for the PLAY RECAP, with Ansible's meaning for each. */
export interface HostStats {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export class RecapStats {
  readonly hosts = new Map<string, HostStats>();
  /** Hosts whose running task was stopped by SIGINT/SIGTERM (also counted as failed). */
  readonly interruptedHosts = new Set<string>();
  /** The signal that interrupted the run, if one did. */
  interruptedBy?: 'SIGINT' | 'SIGTERM';

  private get(host: string): HostStats {
    let s = this.hosts.get(host);
    if (!s) {
      s = { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };
      this.hosts.set(host, s);
    }
    return s;
  }

  /** Make sure a host appears in the recap even if nothing ran on it. */
  touch(host: string): void {
    this.get(host);
  }

  // Ansible counts a changed task as both ok and changed.
  ok(host: string): void {
    this.get(host).ok++;
  }
  changed(host: string): void {
    const s = this.get(host);
    s.ok++;
    s.changed++;
  }
  failed(host: string): void {
    this.get(host).failed++;
  }
  unreachable(host: string): void {
    this.get(host).unreachable++;
  }
  skipped(host: string): void {
    this.get(host).skipped++;
  }
  rescued(host: string): void {
    const s = this.get(host);
    s.rescued++;
    // A rescued failure no longer counts as failed in the recap.
    if (s.failed > 0) s.failed--;
  }
  ignored(host: string): void {
    this.get(host).ignored++;
  }
  interrupted(host: string): void {
    this.interruptedHosts.add(host);
  }

  /**
   * Ansible's exit codes: 4 when any host was unreachable, else 2 when any failed, else 0;
   * an interrupted run exits 99 (SIGINT, as ansible-playbook) or 143 (SIGTERM).
   *
   * ansible-playbook decides from the hosts that are still failed or unreachable when the
   * run ends, not from the counters: `meta: clear_host_errors` forgives a failure (the recap
   * still counts it) and the run exits 0. Given `outstanding` (each host's state at the end),
   * the code follows it; without it, the counters decide.
   */
  exitCode(outstanding?: Iterable<{ failed: boolean; unreachable: boolean }>): number {
    if (this.interruptedBy) return this.interruptedBy === 'SIGINT' ? 99 : 143;
    const all = outstanding
      ? [...outstanding].map((h) => ({ unreachable: h.unreachable ? 1 : 0, failed: h.failed ? 1 : 0 }))
      : [...this.hosts.values()];
    if (all.some((s) => s.unreachable > 0)) return 4;
    if (all.some((s) => s.failed > 0)) return 2;
    return 0;
  }

  toJSON(): Record<string, HostStats & { interrupted?: true }> {
    return Object.fromEntries([...this.hosts].map(([h, s]) => [h, this.interruptedHosts.has(h) ? { ...s, interrupted: true as const } : s]));
  }
}
