#!/usr/bin/env python3
"""Waits until every address given on stdin (one per line) answers on port 22 with an SSH
banner; prints the milliseconds since START_MS (argv[1]) when the last one answered.

One process with non-blocking sockets instead of a shell poller per host: a thousand
pollers forking `bash`/`timeout` every 50 ms were a fork storm on a 2-core machine.
Exits 1, naming the hosts, if some did not answer within TIMEOUT_S (argv[2], default 180)."""
import selectors
import socket
import sys
import time

start_ms = int(sys.argv[1])
timeout_s = float(sys.argv[2]) if len(sys.argv) > 2 else 180.0
due = {line.strip(): 0.0 for line in sys.stdin if line.strip()}  # address -> next attempt
deadline = time.time() + timeout_s
last_ms = start_ms
sel = selectors.DefaultSelector()
opened = {}  # address -> when its current attempt started
MAX_IN_FLIGHT = 64
RETRY_S = 0.05
ATTEMPT_S = 2.0


def retry(addr, sock):
    sel.unregister(sock)
    sock.close()
    del opened[addr]
    due[addr] = time.time() + RETRY_S


while due or opened:
    now = time.time()
    if now > deadline:
        waiting = sorted(set(due) | set(opened))
        print(f"no ssh banner within {timeout_s:.0f} s from: {' '.join(waiting[:20])}{' ...' if len(waiting) > 20 else ''}", file=sys.stderr)
        sys.exit(1)
    for addr in [a for a, t in due.items() if t <= now][: max(0, MAX_IN_FLIGHT - len(opened))]:
        del due[addr]
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex((addr, 22))
        sel.register(s, selectors.EVENT_READ, addr)
        opened[addr] = now
    for key, _ in sel.select(timeout=RETRY_S):
        s, addr = key.fileobj, key.data
        try:
            data = s.recv(4)
        except OSError:
            data = b''
        if data.startswith(b'SSH-'):
            sel.unregister(s)
            s.close()
            del opened[addr]
            last_ms = max(last_ms, int(time.time() * 1000))
        else:  # refused or reset: sshd is not listening yet
            retry(addr, s)
    now = time.time()
    for key in list(sel.get_map().values()):
        if now - opened[key.data] > ATTEMPT_S:
            retry(key.data, key.fileobj)
print(last_ms - start_ms)
