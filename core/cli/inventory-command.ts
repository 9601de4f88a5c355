/** `tsplay inventory`: ansible-inventory's --list, --graph and --host. */
import { loadInventory } from '../inventory/load.js';
import { renderGraph, renderHost, renderList } from '../inventory/render.js';
import { CliError } from './errors.js';
import { EXIT } from './main.js';
import { inventorySources } from './run-command.js';

export async function inventoryCommand(flags: { inventory: string[]; list: boolean; graph?: string | boolean; host?: string; limit?: string; vars: boolean }): Promise<number> {
  const modes = [flags.list, flags.graph !== undefined, flags.host !== undefined].filter(Boolean).length;
  if (modes !== 1) throw new CliError('tsplay inventory needs exactly one of --list, --graph or --host', EXIT.BAD_OPTIONS);
  let inventory;
  try {
    inventory = await loadInventory(inventorySources(flags));
  } catch (err) {
    if ((err as Error).name === 'InventoryError') throw new CliError((err as Error).message, EXIT.BAD_OPTIONS);
    throw err;
  }
  if (flags.host !== undefined) {
    process.stdout.write(`${renderHost(inventory, flags.host)}\n`);
  } else if (flags.list) {
    process.stdout.write(`${renderList(inventory, flags.limit)}\n`);
  } else {
    const group = typeof flags.graph === 'string' ? flags.graph : 'all';
    process.stdout.write(`${renderGraph(inventory, group, flags.vars)}\n`);
  }
  return EXIT.OK;
}
