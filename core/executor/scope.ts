/**
 * Keyword inheritance: a task sees its own keywords, then its enclosing blocks', its
 * role's and the play's. A Scope is one link of that chain; lookups walk outward and the
 * nearest definition wins (as Ansible's "FieldAttribute" inheritance does).
 */
import type { CommonKeywords, RoleContext, TaskBase } from '../playbook/model.js';

export interface Scope {
  keywords: Partial<CommonKeywords> & { when?: Array<string | boolean> };
  role?: RoleContext;
  /** Extra variables introduced by this link (include_tasks loop items, include vars). */
  vars?: Record<string, unknown>;
  parent?: Scope;
  /** The play's own scope: its `vars` are play vars, which sit lower in precedence. */
  isPlay?: boolean;
  /** A block's `always:` section: it still runs when the run is interrupted (cleanup). */
  cleanup?: boolean;
  /** The file an include_tasks link brought in (for the nesting limit and its message). */
  includedFile?: string;
}

/** Inside an `always:` section, at any depth. */
export function inCleanup(scope: Scope | undefined): boolean {
  for (let s = scope; s; s = s.parent) if (s.cleanup) return true;
  return false;
}

/** The include_tasks files around this scope, outermost first. */
export function includeChain(scope: Scope | undefined): string[] {
  const files: string[] = [];
  for (let s = scope; s; s = s.parent) if (s.includedFile) files.unshift(s.includedFile);
  return files;
}

export function childScope(parent: Scope | undefined, node: TaskBase, vars?: Record<string, unknown>): Scope {
  const scope: Scope = { keywords: node, ...(parent ? { parent } : {}) };
  const role = node.role ?? parent?.role;
  if (role) scope.role = role;
  if (vars) scope.vars = vars;
  return scope;
}

/** Nearest defined value of a keyword, from the innermost scope outward. */
export function inherited<K extends keyof CommonKeywords>(scope: Scope | undefined, key: K): CommonKeywords[K] | undefined {
  for (let s = scope; s; s = s.parent) {
    const v = s.keywords[key];
    if (v !== undefined && !(Array.isArray(v) && key !== 'tags' && v.length === 0)) return v as CommonKeywords[K];
  }
  return undefined;
}

/** All `when` conditions from the outermost scope to the innermost: every one must hold. */
export function allConditions(scope: Scope | undefined): Array<string | boolean> {
  const chain: Array<Array<string | boolean>> = [];
  for (let s = scope; s; s = s.parent) if (s.keywords.when?.length) chain.unshift(s.keywords.when);
  return chain.flat();
}

/** Union of tags along the chain (tags are inherited additively). */
export function allTags(scope: Scope | undefined): Set<string> {
  const tags = new Set<string>();
  for (let s = scope; s; s = s.parent) for (const t of s.keywords.tags ?? []) tags.add(t);
  return tags;
}

/** Variable layers along the chain, outermost first (block vars, then task vars). */
export function varLayers(scope: Scope | undefined): Array<Record<string, unknown>> {
  const layers: Array<Record<string, unknown>> = [];
  for (let s = scope; s && !s.isPlay; s = s.parent) {
    if (s.vars) layers.unshift(s.vars);
    if (s.keywords.vars && Object.keys(s.keywords.vars).length) layers.unshift(s.keywords.vars);
  }
  return layers;
}
