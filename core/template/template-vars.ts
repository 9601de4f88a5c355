/**
 * The variables Ansible defines while rendering a template file (its
 * generate_ansible_template_vars): `ansible_managed`, `template_host`, `template_path`,
 * `template_fullpath`, `template_uid`, `template_mtime`, `template_run_date`,
 * `template_destpath`. Dates are text in Python's `str(datetime)` form
 * (`2026-12-05 11:40:01.123456`), which is how they print in a template.
 */
import { readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';

/** Ansible's DEFAULT_MANAGED_STR (the `ansible_managed` of a default configuration). */
export const ANSIBLE_MANAGED = 'Ansible managed';

function pythonDateTime(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds() * 1000, 6)}`;
}

/** The user name owning uid `uid` on the controller (/etc/passwd), else the number as text. */
function userName(uid: number): string {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length > 2 && Number(f[2]) === uid) return f[0]!;
    }
  } catch {
    // no passwd file: fall back to the number, as Ansible does when the uid has no name
  }
  return String(uid);
}

/** `path` as the task named it (`src:`), `fullpath` where it was found, `dest` on the host. */
export function ansibleTemplateVars(path: string, fullpath: string, dest?: string): Record<string, unknown> {
  const st = statSync(fullpath);
  return {
    ansible_managed: ANSIBLE_MANAGED,
    template_host: hostname(),
    template_path: path,
    template_fullpath: resolve(fullpath),
    template_uid: userName(st.uid),
    template_mtime: pythonDateTime(st.mtime),
    template_run_date: pythonDateTime(new Date()),
    template_destpath: dest ?? null,
  };
}
