/**
 * `authorized_key` (ansible.posix.authorized_key): SSH keys in a user's authorized_keys.
 * ONE command reads the user's passwd entry and the file; the edit happens in the
 * controller (modules/_lib/authorized-keys.ts, Ansible's algorithm); ONE command writes the
 * file atomically, owned by the user with mode 0600 (and ~/.ssh 0700 with manage_dir).
 */
import { posix } from 'node:path';
import { defineModule, type ModuleResult } from '../core/modules/api.js';
import { NOT_AN_OPTION } from '../core/modules/validate-args.js';
import { chmodCommand, chownCommand } from '../core/transport/operands.js';
import { enforceKeys, InvalidKeyError } from './_lib/authorized-keys.js';

interface AuthorizedKeyArgs {
  user: string;
  key: string;
  path?: string;
  manage_dir: boolean;
  state: 'present' | 'absent';
  key_options?: string;
  exclusive: boolean;
  comment?: string;
  follow: boolean;
}

export default defineModule<AuthorizedKeyArgs>({
  name: 'authorized_key',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['user', 'key'],
    properties: {
      user: { type: 'string', minLength: 1, pattern: `${NOT_AN_OPTION}[^:\\s]*$`, description: 'The user whose authorized_keys is managed.' },
      key: { type: 'string', description: 'One or more public keys (one per line), as in id_ed25519.pub.' },
      path: { type: 'string', pattern: '^/', description: 'The file (default ~USER/.ssh/authorized_keys).' },
      manage_dir: { type: 'boolean', default: true, description: "Create the key file's directory (mode 0700, owned by the user) and fix its mode and owner." },
      state: { enum: ['present', 'absent'], default: 'present' },
      key_options: { type: 'string', description: 'Options put before the key (from="10.0.0.0/8",no-pty...).' },
      exclusive: { type: 'boolean', default: false, description: 'Remove every other key from the file.' },
      comment: { type: 'string', description: "Replace the key's comment." },
      follow: { type: 'boolean', default: false, description: 'If the file is a symbolic link, write its target instead of replacing the link.' },
    },
  },
  docs: {
    short: "Add or remove SSH public keys in a user's authorized_keys",
    description: [
      "ansible.posix.authorized_key: keys are matched by their base64 blob; a key already there with other",
      'options or another comment is replaced; new keys go after the existing ones; `exclusive` removes the',
      'rest. Comments and other lines stay. The file is rendered exactly as Ansible writes it. One command',
      "reads the user's entry and the file, one writes the file atomically (owned by the user, mode 0600;",
      "with manage_dir also ~/.ssh, 0700). Check mode predicts the same change and `--diff` shows the file.",
    ].join('\n'),
    examples: [
      '- name: Let the deploy key in',
      '  authorized_key:',
      '    user: nova',
      '    key: "{{ lookup(\'file\', \'files/deploy.pub\') }}"',
      '',
      '- name: Only from the management network, without a pty',
      '  authorized_key:',
      '    user: root',
      '    key: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBKSKgzgmqfmLX2Z4eX7Ivbyi1wRIG+3tT76wWzLqmW8 backup@mgmt',
      '    key_options: from="10.0.0.0/8",no-pty',
      '',
      '- name: Exactly these keys and no others',
      '  authorized_key:',
      '    user: deploy',
      '    key: "{{ deploy_keys | join(\'\\n\') }}"',
      '    exclusive: true',
      '',
      '- name: Revoke a key',
      '  authorized_key:',
      '    user: root',
      '    key: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBKSKgzgmqfmLX2Z4eX7Ivbyi1wRIG+3tT76wWzLqmW8',
      '    state: absent',
    ].join('\n'),
    returns: {
      keyfile: 'The authorized_keys file.',
      user: 'The user.',
      key: 'The key(s) given.',
      key_options: 'The options given.',
      exclusive: 'Whether other keys were removed.',
    },
    notes: ['A key given as an http(s) URL (fetched by Ansible) is not supported: pass the key text, e.g. with a uri task or lookup.'],
  },
  async run(ctx) {
    const a = ctx.args;
    if (/^https?:/.test(a.key)) ctx.fail('authorized_key: keys from a URL are not supported; give the key text (fetch it with uri first)');
    const q = ctx.quote;
    // One read: uid, gid and home; the key file (resolved when following links) and its content.
    const keyfileExpr = a.path !== undefined ? q(a.path) : '"$h/.ssh/authorized_keys"';
    const read = await ctx.run(
      [
        `e=$(getent passwd -- ${q(a.user)}) || { echo nouser; exit 0; }`,
        'h=$(printf %s "$e" | cut -d: -f6); printf "%s\\n" "$(printf %s "$e" | cut -d: -f3,4)"',
        `f=${keyfileExpr}`,
        a.follow ? 'f=$(readlink -m -- "$f")' : '',
        'printf "%s\\n" "$f"',
        'if [ -f "$f" ]; then cat -- "$f" || exit 1; fi',
      ]
        .filter(Boolean)
        .join('\n'),
    );
    if (read.rc !== 0) ctx.fail(`could not read the keys of ${a.user} on ${ctx.host.name}: ${read.stderr.trim()}`);
    const out = read.stdout;
    if (out === 'nouser\n') {
      if (ctx.check && a.path === undefined) ctx.fail('Either user must exist or you must provide full path to key file in check mode');
      if (!ctx.check) ctx.fail(`Failed to lookup user ${a.user}: getpwnam(): name not found: '${a.user}'`);
    }
    const known = out !== 'nouser\n';
    const nl1 = known ? out.indexOf('\n') : -1;
    const ids = known ? out.slice(0, nl1) : '';
    const nl2 = known ? out.indexOf('\n', nl1 + 1) : -1;
    const keyfile = known ? out.slice(nl1 + 1, nl2) : a.path!;
    const before = known ? out.slice(nl2 + 1) : '';
    let edit;
    try {
      edit = enforceKeys(before, {
        key: a.key,
        state: a.state,
        exclusive: a.exclusive,
        ...(a.key_options !== undefined ? { keyOptions: a.key_options } : {}),
        ...(a.comment !== undefined ? { comment: a.comment } : {}),
      });
    } catch (err) {
      if (err instanceof InvalidKeyError) return ctx.fail(err.message);
      throw err;
    }
    const result: ModuleResult = {
      changed: edit.changed,
      keyfile,
      user: a.user,
      key: a.key,
      key_options: a.key_options ?? null,
      exclusive: a.exclusive,
      manage_dir: a.manage_dir,
      state: a.state,
    };
    if (!edit.changed) return result;
    if (ctx.diff) result.diff = { before, after: edit.content, beforeHeader: keyfile, afterHeader: keyfile };
    if (ctx.check) {
      ctx.predicted.setFile(keyfile, Buffer.from(edit.content));
      return result;
    }
    const dir = posix.dirname(keyfile);
    const owner = ids; // uid:gid
    const script = [
      'set -e',
      ...(a.manage_dir ? [`[ -d ${q(dir)} ] || mkdir -m 0700 -- ${q(dir)}`, chownCommand(owner, q(dir)), chmodCommand('0700', q(dir))] : [`[ -d ${q(dir)} ] || mkdir -p -- ${q(dir)}`]),
      `t=$(mktemp -- ${q(dir)}/.tsplay-tmp.XXXXXXXX)`,
      `trap 'rm -f -- "$t"' EXIT`,
      'cat > "$t"',
      chownCommand(owner, '"$t"'),
      chmodCommand('0600', '"$t"'),
      `mv -f -- "$t" ${q(keyfile)}`,
      'trap - EXIT',
    ];
    const res = await ctx.run(script.join('\n'), { stdin: edit.content });
    if (res.rc !== 0) ctx.fail(`could not write ${keyfile} on ${ctx.host.name}: ${res.stderr.trim()}`);
    return result;
  },
});
