/** `tsplay inventory`: ansible-inventory's --list, --graph and --host. */
import { loadInventory } from '../inventory/load.js';
import { renderGraph, renderHost, renderList } from '../inventory/render.js';
import { CliError } from './errors.js';
import { EXIT } from './main.js';
import { inventorySources } from './run-command.js';
import { SecretRegistry } from '../log/redact.js';
import { openRunVault, vaultFlagsOf, type VaultFlags } from './vault-options.js';

export async function inventoryCommand(
  flags: { inventory: string[]; list: boolean; graph?: string | boolean; host?: string; limit?: string; vars: boolean } & VaultFlags,
): Promise<number> {
  const modes = [flags.list, flags.graph !== undefined, flags.host !== undefined].filter(Boolean).length;
  if (modes !== 1) throw new CliError('tsplay inventory needs exactly one of --list, --graph or --host', EXIT.BAD_OPTIONS);
  // Vault-decrypted values are masked in what this prints, as in a run's output.
  const secrets = new SecretRegistry();
  const vault = await openRunVault(vaultFlagsOf(flags), secrets);
  const print = (text: string) => process.stdout.write(`${secrets.maskString(text)}\n`);
  let inventory;
  try {
    inventory = await loadInventory(inventorySources(flags), { vault });
  } catch (err) {
    if ((err as Error).name === 'InventoryError') throw new CliError((err as Error).message, EXIT.BAD_OPTIONS);
    throw err;
  }
  if (flags.host !== undefined) {
    print(renderHost(inventory, flags.host));
  } else if (flags.list) {
    print(renderList(inventory, flags.limit));
  } else {
    const group = typeof flags.graph === 'string' ? flags.graph : 'all';
    print(renderGraph(inventory, group, flags.vars));
  }
  return EXIT.OK;
}
