/**
 * `yum_repository`: one repository's section in a `.repo` file, with Ansible's names and
 * file format. One read; at most one write (or the file's removal when its last repository
 * goes). Other sections and comments in the file stay byte for byte.
 */
import { defineModule, type ModuleContext, type ModuleResult } from '../core/modules/api.js';
import {
  applyAttributes,
  attributeChanges,
  checkModeArgument,
  contentDiff,
  decodeText,
  FROM_PACKAGE_NOTE,
  readConfigFile,
  removeConfigFile,
  writeConfigFile,
} from './_lib/ini-file-io.js';
import { hasNoRepositories, parseRepoFile, renderRepoFile, renderSection, repoIds, setSection, type RepoValue } from './_lib/yum-repository.js';

/** Repository options written to the file under their own names (yum.conf(5), dnf.conf(5)). */
const STRING_OPTIONS = [
  'mirrorlist', 'metalink', 'gpgcakey', 'sslcacert', 'sslclientcert', 'sslclientkey', 'proxy', 'proxy_username', 'proxy_password',
  'username', 'password', 'metadata_expire', 'mirrorlist_expire', 'timeout', 'bandwidth', 'throttle', 'failovermethod', 'http_caching',
  'ip_resolve', 'include', 'ui_repoid_vars', 'metadata_expire_filter',
] as const;
const LIST_OPTIONS = ['baseurl', 'gpgkey', 'exclude', 'includepkgs'] as const;
const BOOLEAN_OPTIONS = [
  'enabled', 'gpgcheck', 'repo_gpgcheck', 'skip_if_unavailable', 'sslverify', 'module_hotfixes', 'keepalive', 'keepcache', 'enablegroups',
  'protect', 'async', 's3_enabled', 'ssl_check_cert_permissions',
] as const;
const INTEGER_OPTIONS = ['priority', 'cost', 'retries', 'deltarpm_percentage', 'deltarpm_metadata_percentage'] as const;
/** Values masked in output and logs. */
const SECRET_OPTIONS = ['password', 'proxy_password'];

type Args = {
  name: string;
  description?: string;
  state: 'present' | 'absent';
  file?: string;
  reposdir: string;
  mode?: string;
  owner?: string;
  group?: string;
} & Partial<Record<(typeof STRING_OPTIONS)[number], string | number>> &
  Partial<Record<(typeof LIST_OPTIONS)[number], string | string[]>> &
  Partial<Record<(typeof BOOLEAN_OPTIONS)[number], boolean>> &
  Partial<Record<(typeof INTEGER_OPTIONS)[number], number>>;

const listOrString = { type: ['string', 'array'], items: { type: 'string' } };

export default defineModule<Args>({
  name: 'yum_repository',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: { type: 'string', minLength: 1, description: 'Repository id: the [section] of the .repo file, what --enablerepo names (letters, digits, - _ . :).' },
      description: { type: 'string', description: "The repository's human-readable name (written as `name =`). Required with state=present." },
      state: { enum: ['present', 'absent'], default: 'present', description: 'absent removes the section (and the file when it was the last one).' },
      file: { type: 'string', pattern: '^[^/]+$', description: 'File name without .repo, in reposdir. Default: the repository id.' },
      reposdir: { type: 'string', pattern: '^/', default: '/etc/yum.repos.d', description: 'Directory of the .repo file.' },
      mode: { type: 'string', description: "Octal permissions of the file ('0644', the default for a new file)." },
      owner: { type: 'string', pattern: '^[^-:][^:]*$', description: 'Owner of the file.' },
      group: { type: 'string', pattern: '^[^-:][^:]*$', description: 'Group of the file.' },
      ...Object.fromEntries(LIST_OPTIONS.map((k) => [k, { ...listOrString, description: k === 'baseurl' ? 'URL(s) of the repository (repodata/ lives there). baseurl, mirrorlist or metalink is required with state=present.' : 'One value or a list (written separated by spaces).' }])),
      ...Object.fromEntries(STRING_OPTIONS.map((k) => [k, { type: ['string', 'number'], description: `The repository's ${k} option (yum.conf(5), dnf.conf(5)), written as given.${SECRET_OPTIONS.includes(k) ? ' Masked in output.' : ''}` }])),
      ...Object.fromEntries(BOOLEAN_OPTIONS.map((k) => [k, { type: 'boolean', description: k === 'enabled' ? 'false: the repository is used only when a command enables it (--enablerepo).' : 'Written as 1 or 0.' }])),
      ...Object.fromEntries(INTEGER_OPTIONS.map((k) => [k, k === 'priority' ? { type: 'integer', minimum: 1, maximum: 99, description: 'Lower wins (yum-plugin-priorities, dnf).' } : { type: 'integer', minimum: 0, description: `The repository's ${k} option.` }])),
    },
  },
  docs: {
    short: 'Add or remove a yum/dnf repository definition (.repo file)',
    description: [
      "Writes the repository's `[id]` section in `REPOSDIR/FILE.repo` as Ansible's yum_repository does: the",
      'options given, sorted by name, as `key = value`; booleans as `1`/`0`; lists separated by spaces; the',
      "`description` as `name`. The section is replaced as a whole (options not given are removed from it);",
      'other repositories and comments in the same file are kept byte for byte. `state: absent` removes the',
      'section, and the file when no repository is left in it.',
      '',
      'A repository written with `enabled: false` is used only by a command that enables it: the `yum`',
      "module's `enablerepo`. In check mode the predicted file is what a later `yum` task's dry run reads, so",
      'installing from a repository this task would add is predicted too.',
    ].join('\n'),
    examples: [
      '- name: The Xen kernel repository of seed 000, step 12, disabled by default',
      '  yum_repository:',
      '    name: xen-c6',
      '    description: CentOS-$releasever - Xen',
      '    baseurl: http://isoredirect.centos.org/centos/6/xen4/$basearch/',
      '    gpgcheck: false',
      '    enabled: false',
      '    priority: 1',
      '',
      '- name: Install from it, for this task only',
      '  yum:',
      '    name: [kernel, kernel-firmware]',
      '    enablerepo: xen-c6',
      '    state: latest',
      '',
      '- name: Two repositories in one file',
      '  yum_repository:',
      '    name: "{{item.id}}"',
      '    description: "{{item.name}}"',
      '    file: local',
      '    baseurl: "{{item.url}}"',
      '    gpgcheck: false',
      '  loop:',
      '    - {id: local-os, name: Local OS, url: "file:///srv/repo/os"}',
      '    - {id: local-updates, name: Local updates, url: "file:///srv/repo/updates"}',
      '',
      '- yum_repository: name=xen-c6 state=absent',
    ].join('\n'),
    returns: {
      repo: 'The repository id.',
      state: 'present or absent.',
      path: 'The .repo file.',
      changes: 'What changed: section added, replaced or removed, file removed, mode/owner/group.',
    },
    notes: [
      "yum and dnf expand $releasever and $basearch themselves: they are not templates (write them as they are).",
      'Values must be on one line. password and proxy_password are masked in output and logs (not in the file: yum reads them there).',
    ],
  },
  async run(ctx) {
    const a = ctx.args;
    checkModeArgument(ctx, a.mode);
    // dnf's rule for repository ids; anything else could not be named by --enablerepo.
    if (!/^[A-Za-z0-9_.:-]+$/.test(a.name)) ctx.fail(`repository id ${JSON.stringify(a.name)} may only contain letters, digits and - _ . :`);
    const path = `${a.reposdir.replace(/\/+$/, '')}/${a.file ?? a.name}.repo`;
    for (const k of SECRET_OPTIONS) {
      const v = (a as Record<string, unknown>)[k];
      if (typeof v === 'string' && v) ctx.secret(v);
    }
    const section = a.state === 'present' ? desiredSection(ctx) : null;

    const file = await readConfigFile(ctx, path);
    const decoded = decodeText(file.content);
    const before = parseRepoFile(decoded.text);
    const existed = repoIds(before).includes(a.name);
    const after = setSection(before, a.name, section && section.map(decoded.fromUser));
    const removeFile = a.state === 'absent' && hasNoRepositories(after) && (file.content !== null || file.fromPackage);
    const text = renderRepoFile(after);
    const contentChanged = removeFile || text !== decoded.text || (file.content === null && !file.fromPackage && a.state === 'present');

    const wish = { mode: a.mode ?? (file.content === null ? '0644' : undefined), owner: a.owner, group: a.group };
    const attrChanges = removeFile || file.attrs === null ? [] : attributeChanges(file.attrs, wish);
    const changes: string[] = [];
    if (contentChanged) changes.push(removeFile ? `file ${path} removed (no repository left)` : existed ? (section ? `section [${a.name}] replaced` : `section [${a.name}] removed`) : `section [${a.name}] added`);
    changes.push(...attrChanges);
    const out: ModuleResult = { changed: changes.length > 0, repo: a.name, state: a.state, path, changes, msg: changes.length ? changes.join('; ') : 'OK' };
    if (file.fromPackage && contentChanged) out.msg = `${out.msg} (${FROM_PACKAGE_NOTE})`;
    if (removeFile) await removeConfigFile(ctx, path);
    else if (contentChanged) await writeConfigFile(ctx, file, decoded.encode(text), wish);
    else if (attrChanges.length) await applyAttributes(ctx, path, wish);
    if (ctx.diff && contentChanged) out.diff = contentDiff(file, decoded.display(decoded.text), removeFile ? '' : decoded.display(text));
    return out;
  },
});

/** The section's lines from the arguments, with Ansible's requirements checked. */
function desiredSection(ctx: ModuleContext<Args>): string[] {
  const a = ctx.args as Args & Record<string, unknown>;
  if (a.description === undefined) ctx.fail(`repository ${a.name}: 'description' is required with state=present (it becomes the repository's name = line)`);
  if (a.baseurl === undefined && a.mirrorlist === undefined && a.metalink === undefined) {
    ctx.fail(`repository ${a.name}: give baseurl, mirrorlist or metalink (state=present)`);
  }
  const options: Record<string, RepoValue | undefined> = { name: a.description };
  for (const k of [...STRING_OPTIONS, ...BOOLEAN_OPTIONS, ...INTEGER_OPTIONS]) if (a[k] !== undefined) options[k] = a[k] as RepoValue;
  for (const k of LIST_OPTIONS) {
    const v = a[k];
    if (v !== undefined) options[k] = (typeof v === 'string' ? [v] : v).map((s) => s.trim()).filter(Boolean);
  }
  for (const [k, v] of Object.entries(options)) {
    const text = Array.isArray(v) ? v.join(' ') : String(v ?? '');
    if (/[\r\n]/.test(text)) ctx.fail(`repository ${a.name}: the value of ${k === 'name' ? 'description' : k} must be on one line`);
  }
  return renderSection(a.name, options);
}
