/**
 * `--start-at-task NAME` checked against the loaded playbooks before anything runs. The
 * executor starts at a task whose name, or `role : name`, is NAME; when no task has that
 * name the whole run would do nothing, which Ansible only reports after the fact.
 */
import type { Playbook, TaskNode } from '../playbook/model.js';

type Found = 'found' | 'dynamic' | 'none';

function search(nodes: TaskNode[], name: string, role?: string): Found {
  let dynamic = false;
  for (const node of nodes) {
    if (node.kind === 'block') {
      for (const part of [node.block, node.rescue, node.always]) {
        const r = search(part, name, node.role?.name ?? role);
        if (r === 'found') return r;
        dynamic ||= r === 'dynamic';
      }
      continue;
    }
    if (node.kind === 'include_tasks' || node.kind === 'include_role') dynamic = true;
    // As the executor names it: the task's name (an unnamed task: its module), with its role.
    const base = node.name ?? ('module' in node ? node.module : undefined);
    const roleName = ('role' in node ? node.role?.name : undefined) ?? role;
    if (base !== undefined && (base === name || (roleName !== undefined && `${roleName} : ${base}` === name))) return 'found';
  }
  return dynamic ? 'dynamic' : 'none';
}

/** Whether some task of `playbooks` is named `name`; 'dynamic' when only an include_tasks could hold it. */
export function findStartTask(playbooks: Playbook[], name: string): Found {
  let dynamic = false;
  for (const pb of playbooks) {
    for (const play of pb.plays) {
      for (const section of [play.preTasks, play.roleTasks, play.tasks, play.postTasks]) {
        const r = search(section, name);
        if (r === 'found') return r;
        dynamic ||= r === 'dynamic';
      }
    }
  }
  return dynamic ? 'dynamic' : 'none';
}
