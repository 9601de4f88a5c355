/**
 * `known_hosts`: add or remove a host's key in a known_hosts file, as Ansible's module does,
 * with the host's own `ssh-keygen -F` to find entries (hashed names, patterns, [host]:port).
 * ONE command reads the file, what ssh-keygen finds there and the check of the key itself;
 * the new content is computed in the controller and written atomically.
 */
import { defineModule, type ModuleResult } from '../core/modules/api.js';
import { resolveAliases, withAliases } from './_lib/args.js';
import { hashHostKey, knownHostsAfter, searchHostKey } from './_lib/known-hosts.js';

interface KnownHostsArgs {
  name?: string;
  key?: string;
  path: string;
  hash_host: boolean;
  state: 'present' | 'absent';
}

const ALIASES = { name: ['host'] };

export default defineModule<KnownHostsArgs>({
  name: 'known_hosts',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...withAliases({ name: { type: 'string', minLength: 1, pattern: '^[^\\s,]+$', description: 'Required. The host (or [host]:port) to add or remove.' } }, ALIASES),
      key: { type: 'string', description: 'The known_hosts line: "HOST TYPE KEY" (as ssh-keyscan prints it). Required with state present.' },
      path: { type: 'string', default: '~/.ssh/known_hosts', description: "The file ('~/' is the connecting user's home)." },
      hash_host: { type: 'boolean', default: false, description: 'Write the host name hashed (|1|...), as ssh-keygen -H does.' },
      state: { enum: ['present', 'absent'], default: 'present' },
    },
  },
  docs: {
    short: 'Add or remove a host key in a known_hosts file',
    description: [
      "Ansible's known_hosts: a key of the same type for the host is replaced, other types stay; with",
      '`state: absent` and a key, that key goes; without a key, every key of the host (`ssh-keygen -R`). The',
      "host's `ssh-keygen -F` finds the entries, so hashed names and `[host]:port` work. One command reads the",
      'file and what ssh-keygen finds, and checks that the key names the host; one writes the file',
      'atomically. Check mode predicts the same change and `--diff` shows the file.',
    ].join('\n'),
    examples: [
      '- name: Trust the Git server',
      '  known_hosts:',
      '    name: git.example.com',
      '    key: "git.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBKSKgzgmqfmLX2Z4eX7Ivbyi1wRIG+3tT76wWzLqmW8"',
      '',
      '- name: A host on another port, hashed, for root',
      '  known_hosts:',
      '    name: "[backup.example.com]:2222"',
      '    key: "[backup.example.com]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBKSKgzgmqfmLX2Z4eX7Ivbyi1wRIG+3tT76wWzLqmW8"',
      '    path: /root/.ssh/known_hosts',
      '    hash_host: true',
      '',
      '- name: Forget an old host',
      '  known_hosts:',
      '    name: old.example.com',
      '    state: absent',
    ].join('\n'),
    returns: {
      name: 'The host.',
      key: 'The key line written (hashed with hash_host).',
      path: 'The file.',
      hash_host: 'Whether the name was hashed.',
    },
    notes: ['Needs ssh-keygen on the host, as Ansible does.'],
  },
  async run(ctx) {
    const a = resolveAliases(ctx, ALIASES);
    if (!a.name) ctx.fail("missing required argument 'name' (or one of its aliases: host)");
    const host = a.name!.toLowerCase();
    if (!a.key && a.state !== 'absent') ctx.fail('No key specified when adding a host');
    let key = a.key;
    if (key && a.hash_host) key = hashHostKey(host, key);
    if (key && !key.endsWith('\n')) key += '\n';
    const q = ctx.quote;
    const pathExpr = a.path.startsWith('~/') ? `"$HOME"/${q(a.path.slice(2))}` : q(a.path);
    const read = await ctx.run(
      [
        `p=${pathExpr}`,
        'printf "%s\\n" "$p"',
        'if [ -e "$p" ]; then echo exists; cat -- "$p" || exit 1; else echo none; fi',
        'printf "\\0"',
        `if [ -e "$p" ]; then ssh-keygen -F ${q(host)} -f "$p"; r=$?; [ $r -le 1 ] || exit 90; fi`,
        'printf "\\0"',
        // Ansible's sanity check: the key must name the host (ssh-keygen finds it in a file of its own).
        key ? `t=$(mktemp) && cat > "$t" && ssh-keygen -F ${q(host)} -f "$t"; rm -f -- "$t"` : '',
      ]
        .filter(Boolean)
        .join('\n'),
      key ? { stdin: key } : {},
    );
    if (read.rc === 127 || /ssh-keygen: (not found|command not found)/.test(read.stderr)) ctx.fail(`ssh-keygen is not installed on ${ctx.host.name}`);
    if (read.rc !== 0) ctx.fail(`ssh-keygen failed (rc=${read.rc}, stderr='${read.stderr.trim()}')`);
    const [head = '', found = '', check = ''] = read.stdout.split('\0');
    const nl = head.indexOf('\n');
    const path = head.slice(0, nl);
    const rest = head.slice(nl + 1);
    const exists = rest.startsWith('exists\n');
    const before = exists ? rest.slice('exists\n'.length) : '';
    if (key && check === '') ctx.fail('Host parameter does not match hashed host field in supplied key');
    const search = exists ? searchHostKey(found, key) : { found: false, replaceOrAdd: false };
    const result: ModuleResult = { changed: false, name: a.name, key: key ?? null, path, hash_host: a.hash_host, state: a.state };
    if (a.state === 'absent' && search.foundLine === undefined && key) return result;
    const changed = search.replaceOrAdd || search.found !== (a.state === 'present');
    if (!changed) return result;
    // Without a key, absent removes every entry of the host: ssh-keygen -R (as Ansible).
    const after = a.state === 'absent' && !key ? undefined : knownHostsAfter(before, search, a.state, key);
    if (ctx.diff) result.diff = { before, after: after ?? '(every key of the host removed by ssh-keygen -R)\n', beforeHeader: exists ? path : '/dev/null', afterHeader: path };
    result.changed = true;
    if (after === undefined) {
      if (!ctx.check) {
        const res = await ctx.run(`ssh-keygen -R ${q(host)} -f ${q(path)}`);
        if (res.rc !== 0) ctx.fail(`ssh-keygen -R failed: ${res.stderr.trim()}`);
      }
      return result;
    }
    await ctx.writeFile(path, after);
    return result;
  },
});
