/**
 * Builds the variables a task sees on one host, in the precedence order documented in
 * core/vars/precedence.ts, plus Ansible's magic variables.
 */
import { basename } from 'node:path';
import type { Play } from '../playbook/model.js';
import { dataLayer, mergeLayers, overlay, type Vars } from '../vars/precedence.js';
import type { HostSession, PlayHost, RunContext } from './run-context.js';
import { varLayers, type Scope } from './scope.js';

/** Ansible's placeholder for `{{ omit }}`: arguments rendered to it are dropped. */
export const OMIT = '__omit_place_holder__tsplay__';

export interface PlayState {
  play: Play;
  /** Hosts of the current batch. */
  hosts: PlayHost[];
  /** Every host the play targets (all batches). */
  allHosts: string[];
  /** Play `vars:` and `vars_files:` merged (templates still raw). */
  playVars: Vars;
  /**
   * Defaults and vars of the roles the play lists (`roles:`, `import_role`), merged in order:
   * Ansible exposes them to every task of the play (private_role_vars is off by default), the
   * defaults at the lowest precedence and the vars above the play's own.
   */
  roleDefaults?: Vars;
  roleVars?: Vars;
  hostvars: Vars;
  groups: Vars;
}

/**
 * Facts appear both as `ansible_facts.x` and as top-level variables under the names the
 * module returned them. Facts are data (never templates).
 */
export function factsLayer(session: HostSession): Vars {
  return dataLayer({ ...session.factVars, ansible_facts: session.facts });
}

export function groupsObject(ctx: RunContext): Vars {
  const groups: Vars = {};
  for (const g of ctx.inventory.groups.keys()) groups[g] = ctx.inventory.hostsOfGroup(g).map((h) => h.name);
  return groups;
}

/** `hostvars`: an object with a lazy getter per inventory host. */
export function hostvarsObject(ctx: RunContext): Vars {
  const out: Vars = {};
  for (const name of ctx.inventory.hosts.keys()) {
    Object.defineProperty(out, name, {
      enumerable: true,
      get: () => {
        const session = ctx.sessions.get(name);
        return mergeLayers(
          [ctx.inventory.varsFor(name), session ? factsLayer(session) : undefined, session?.hostVars, ctx.options.extraVars, { inventory_hostname: name }],
          ctx.templar,
        );
      },
    });
  }
  return out;
}

export function taskVars(ctx: RunContext, state: PlayState, host: PlayHost, scope: Scope | undefined): Vars {
  const role = scope?.role;
  const merged = mergeLayers(
    [
      state.roleDefaults,
      role?.defaults,
      host.session.inventoryVars(ctx.inventory),
      factsLayer(host.session),
      host.publicRoleVars,
      state.playVars,
      host.varsFilesVars,
      state.roleVars,
      role?.entryVars,
      role?.vars,
      role?.params,
      ...varLayers(scope),
      host.session.hostVars,
      host.playFacts,
      ctx.options.extraVars,
    ],
    ctx.templar,
  );
  const batch = state.hosts.filter((h) => h.active).map((h) => h.name);
  const magic: Vars = {
    inventory_hostname: host.name,
    inventory_hostname_short: host.name.split('.')[0],
    group_names: ctx.inventory.groupsOf(host.name).filter((g) => g !== 'all'),
    groups: state.groups,
    hostvars: state.hostvars,
    play_hosts: batch,
    ansible_play_batch: batch,
    ansible_play_hosts: state.allHosts.filter((h) => !ctx.sessions.get(h)?.unreachable),
    ansible_play_hosts_all: state.allHosts,
    ansible_play_name: state.play.name,
    ansible_check_mode: ctx.options.check,
    ansible_diff_mode: ctx.options.diff,
    ansible_verbosity: ctx.options.verbosity,
    playbook_dir: state.play.baseDir,
    ansible_inventory_sources: ctx.inventory.sources,
    omit: OMIT,
  };
  if (role) {
    magic.role_name = role.name;
    magic.role_path = role.path;
  }
  if (!('ansible_facts' in merged)) magic.ansible_facts = host.session.facts;
  return overlay(merged, magic);
}

/** Drop arguments rendered to `omit`, recursively in mappings. */
export function dropOmitted(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== OMIT).map(dropOmitted);
  if (value && typeof value === 'object') {
    const out: Vars = {};
    for (const [k, v] of Object.entries(value as Vars)) if (v !== OMIT) out[k] = dropOmitted(v);
    return out;
  }
  return value;
}

export function shortFile(file: string): string {
  return basename(file);
}
