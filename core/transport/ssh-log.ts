/**
 * Where the SSH transport reports things that are not errors: ignored options, a key that
 * could not be read, a host key recorded by accept-new. The CLI installs its own logger
 * with `setSshLogger`; until then warnings go to stderr and debug lines only appear with
 * `TSPLAY_SSH_DEBUG=1`. Callers must never pass secrets (passwords, key material) here.
 */

export interface SshLogger {
  debug(message: string): void;
  warn(message: string): void;
}

const stderrLogger: SshLogger = {
  debug(message) {
    if (process.env.TSPLAY_SSH_DEBUG) process.stderr.write(`[ssh] ${message}\n`);
  },
  warn(message) {
    process.stderr.write(`[WARNING]: ${message}\n`);
  },
};

let current: SshLogger = stderrLogger;

export function setSshLogger(logger: SshLogger | undefined): void {
  current = logger ?? stderrLogger;
}

export function sshLog(): SshLogger {
  return current;
}
