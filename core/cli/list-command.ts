/** --list-hosts, --list-tasks, --list-tags: what ansible-playbook prints, without running. */
import type { Inventory } from '../inventory/model.js';
import type { Playbook, TaskNode } from '../playbook/model.js';
import type { Templar } from '../template/templar.js';
import { tagsSelect } from '../executor/play-runner.js';

/** The playbook as the user named it on the command line (ansible-playbook prints that). */
function header(pb: Playbook, shownAs?: string): string {
  return `\nplaybook: ${shownAs ?? pb.file}\n`;
}

function tagList(tags: Iterable<string>): string {
  return `[${[...tags].join(', ')}]`;
}

export function listHosts(pb: Playbook, inventory: Inventory, templar: Templar, extraVars: Record<string, unknown>, limit?: string, shownAs?: string): string {
  let out = header(pb, shownAs);
  pb.plays.forEach((play, i) => {
    const pattern = String(templar.render(play.hosts, extraVars));
    const hosts = inventory.selectHosts(pattern, limit);
    out += `\n  play #${i + 1} (${pattern}): ${play.name}\tTAGS: ${tagList(play.tags)}\n`;
    out += `    pattern: ['${pattern}']\n    hosts (${hosts.length}):\n`;
    for (const h of hosts) out += `      ${h.name}\n`;
  });
  return out;
}

function walk(nodes: TaskNode[], inherited: string[], visit: (name: string, tags: Set<string>) => void): void {
  for (const node of nodes) {
    const tags = [...inherited, ...node.tags];
    if (node.kind === 'block') {
      for (const part of [node.block, node.rescue, node.always]) walk(part, tags, visit);
    } else if (node.kind === 'include_tasks') {
      visit(node.name ?? `include_tasks ${node.file}`, new Set(tags));
    } else if (node.kind === 'include_role') {
      visit(node.name ?? `include_role ${node.roleName}`, new Set(tags));
    } else {
      const role = node.role ? `${node.role.name} : ` : '';
      visit(`${role}${node.name ?? node.module}`, new Set(tags));
    }
  }
}

export function listTasks(pb: Playbook, only: string[], skip: string[], shownAs?: string): string {
  let out = header(pb, shownAs);
  pb.plays.forEach((play, i) => {
    out += `\n  play #${i + 1} (${play.hosts}): ${play.name}\tTAGS: ${tagList(play.tags)}\n    tasks:\n`;
    for (const section of [play.preTasks, play.roleTasks, play.tasks, play.postTasks]) {
      walk(section, play.tags, (name, tags) => {
        if (tagsSelect(tags, only, skip)) out += `      ${name}\tTAGS: ${tagList([...tags].sort())}\n`;
      });
    }
  });
  return out;
}

export function listTags(pb: Playbook, shownAs?: string): string {
  let out = header(pb, shownAs);
  pb.plays.forEach((play, i) => {
    const all = new Set<string>();
    for (const section of [play.preTasks, play.roleTasks, play.tasks, play.postTasks]) walk(section, play.tags, (_n, tags) => tags.forEach((t) => all.add(t)));
    out += `\n  play #${i + 1} (${play.hosts}): ${play.name}\tTAGS: ${tagList(play.tags)}\n      TASK TAGS: ${tagList([...all].sort())}\n`;
  });
  return out;
}
