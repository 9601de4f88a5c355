/**
 * `--limit` checked before anything runs, as ansible-playbook does: parts that match
 * nothing are warned about by name, a limit that leaves no host at all ends the run
 * (exit 1, Ansible's message), and an invalid pattern (`~[unclosed`) is an error.
 */
import type { Inventory } from '../inventory/model.js';
import { unmatchedPatterns } from '../inventory/patterns.js';
import { CliError } from './errors.js';
import { EXIT } from './main.js';

export function checkLimit(inventory: Inventory, limit: string, warn: (message: string) => void): void {
  const hosts = inventory.selectHosts('all', limit);
  if (hosts.length > 0) return;
  const missing = limit.split(',').some((p) => p.trim().startsWith('@')) ? [] : unmatchedPatterns(inventory, limit);
  for (const part of missing) warn(`Could not match supplied host pattern, ignoring: ${part}`);
  // An empty inventory only warns (Ansible: "provided hosts list is empty").
  if (inventory.hosts.size === 0) return;
  throw new CliError('Specified inventory, host pattern and/or --limit leaves us with no hosts to target.', EXIT.ERROR);
}
