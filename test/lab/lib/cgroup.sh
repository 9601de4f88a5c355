# One cgroup per lab host. With --keep-unit, systemd-nspawn stays in (and lets the
# container use) the cgroup of whoever started it, so the start shell first moves itself
# into $CGROUP_NAME/<host>; that keeps hosts apart, lets `down` kill what a host left
# behind, and gives per-host memory figures.
#   cgroup v1 (this machine kind): the name=systemd hierarchy, plus memory, pids and
#                                  cpuacct (the benchmark reads the targets' CPU time
#                                  there), and the unified (cgroup2) one of a hybrid layout
#   cgroup v2: the unified hierarchy

CG_ROOT=/sys/fs/cgroup

cg_is_v2() { [ -f "$CG_ROOT/cgroup.controllers" ]; }

cg_dirs() {
  if cg_is_v2; then
    echo "$CG_ROOT/$CGROUP_NAME/$1"
  else
    local h
    for h in systemd memory pids cpuacct; do
      if [ -d "$CG_ROOT/$h" ]; then echo "$CG_ROOT/$h/$CGROUP_NAME/$1"; fi
    done
    # Hybrid layout: nspawn takes its own cgroup path from the unified hierarchy and
    # creates its "supervisor" and "payload" groups there in name=systemd too; if we
    # stayed at the root of it, every container would land in the same /payload.
    if [ "$(stat -fc %T "$CG_ROOT/unified" 2>/dev/null)" = cgroup2fs ]; then
      echo "$CG_ROOT/unified/$CGROUP_NAME/$1"
    fi
  fi
}

# Moves process $2 into the host's cgroup(s).
cg_enter() {
  local d
  for d in $(cg_dirs "$1"); do
    mkdir -p "$d" && echo "$2" > "$d/cgroup.procs" || return 1
  done
}

# Every process of the host (the container and its supervisor), recursively.
cg_pids() {
  local d
  d=$(cg_dirs "$1" | head -n 1)
  [ -d "$d" ] || return 0
  find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u
}

cg_kill() {
  local pids
  pids=$(cg_pids "$1")
  if [ -n "$pids" ]; then kill -KILL $pids 2>/dev/null || true; fi
}

# Removes the host's (now empty) cgroups, deepest first.
cg_remove() {
  local d
  for d in $(cg_dirs "$1"); do
    if [ -d "$d" ]; then find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true; fi
  done
}

# Memory charged to the host, in bytes (empty when unknown).
cg_memory_bytes() {
  local d
  if cg_is_v2; then
    d=$CG_ROOT/$CGROUP_NAME/$1/memory.current
  else
    d=$CG_ROOT/memory/$CGROUP_NAME/$1/memory.usage_in_bytes
  fi
  cat "$d" 2>/dev/null || true
}
