/**
 * `blockinfile`: keep a block of lines between two marker lines in a file - insert it,
 * update it in place, or remove it. Ansible's algorithm and markers, so blocks written by
 * Ansible are recognised. One read and at most one write per task.
 */
import { defineModule } from '../core/modules/api.js';
import { RegexError } from '../core/util/python-regex.js';
import { mutuallyExclusive, requireArg, resolveAliases, withAliases } from './_lib/args.js';
import { attrSchema, type AttrArgs } from './_lib/file-attrs.js';
import { ensureBlock, readFileForEdit, writeEditedFile } from '../core/helpers/index.js';

interface BlockinfileArgs extends AttrArgs {
  path?: string;
  state: 'present' | 'absent';
  block?: string;
  marker: string;
  marker_begin: string;
  marker_end: string;
  insertafter?: string;
  insertbefore?: string;
  create: boolean;
  backup: boolean;
  append_newline: boolean;
  prepend_newline: boolean;
  validate?: string;
}

const ALIASES = { path: ['dest', 'destfile', 'name'], block: ['content'] };

export default defineModule<BlockinfileArgs>({
  name: 'blockinfile',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: withAliases(
      {
        path: { type: 'string', description: 'Required. The file to edit.' },
        state: { enum: ['present', 'absent'], default: 'present', description: 'Whether the block should be there or not.' },
        block: { type: 'string', description: 'The lines to keep between the markers; empty (the default) removes the block.' },
        marker: { type: 'string', default: '# {mark} ANSIBLE MANAGED BLOCK', description: "Marker line template; '{mark}' becomes marker_begin / marker_end." },
        marker_begin: { type: 'string', default: 'BEGIN', description: "Replaces '{mark}' in the first marker line." },
        marker_end: { type: 'string', default: 'END', description: "Replaces '{mark}' in the last marker line." },
        insertafter: { type: 'string', description: "Where a new block goes: after the last line matching this regexp, or 'EOF' (default)." },
        insertbefore: { type: 'string', description: "Before the last line matching this regexp, or 'BOF'." },
        create: { type: 'boolean', default: false, description: 'Create the file (and its directory) if missing.' },
        backup: { type: 'boolean', default: false, description: 'Keep a timestamped copy of the file before changing it.' },
        append_newline: { type: 'boolean', default: false, description: 'Add a blank line after the block unless there is one.' },
        prepend_newline: { type: 'boolean', default: false, description: 'Add a blank line before the block unless there is one.' },
        validate: { type: 'string', description: "Command that checks the edited file before it is installed; '%s' is the file." },
        ...attrSchema,
      },
      ALIASES,
    ),
  },
  docs: {
    short: 'Insert, update or remove a block of lines between marker lines',
    description: [
      'Keeps `block` between two marker lines (`# BEGIN ANSIBLE MANAGED BLOCK` / `# END ...` by default, the',
      'same as Ansible, so existing blocks are found). If the markers exist, the lines between them are',
      'replaced; otherwise the block is inserted at the end, or after/before the last line matching',
      '`insertafter`/`insertbefore`. An empty block or `state: absent` removes the block and its markers.',
      'Use a distinct `marker` for each block you manage in the same file.',
    ].join('\n'),
    examples: [
      '- name: RabbitMQ listens on the management network',
      '  blockinfile:',
      '    path: /etc/rabbitmq/rabbitmq-env.conf',
      '    create: true',
      '    block: |',
      '      RABBITMQ_NODE_IP_ADDRESS=192.168.0.100',
      '      RABBITMQ_NODE_PORT=5672',
      '',
      '- name: Several managed blocks in one file, each with its own marker',
      '  blockinfile:',
      '    path: /etc/hosts',
      '    marker: "# {mark} cluster {{item.name}}"',
      '    block: "{{item.ip}} {{item.name}}"',
      '  loop:',
      '    - { name: opctl, ip: 192.168.1.100 }',
      '    - { name: opnet, ip: 192.168.1.101 }',
      '',
      '- name: Remove a block',
      '  blockinfile:',
      '    path: /etc/profile',
      '    marker: "# {mark} proxy settings"',
      '    state: absent',
      '',
    ].join('\n'),
    returns: {
      msg: "'Block inserted', 'Block removed', 'File created' (plus ' and ownership, perms or SE linux context changed').",
      backup_file: 'The backup, when backup: true and the file changed.',
    },
  },
  async run(ctx) {
    const a = resolveAliases(ctx, ALIASES);
    requireArg(ctx, a, 'path', ALIASES.path);
    mutuallyExclusive(ctx, a, ['insertbefore', 'insertafter']);
    const path = a.path!;
    const file = await readFileForEdit(ctx, path);
    const present = a.state === 'present';
    if (file.content === null) {
      if (!present) return { changed: false, msg: `File ${path} not present` };
      if (!a.create) ctx.fail(`Path ${path} does not exist !`, { rc: 257 });
    }
    let outcome;
    try {
      outcome = ensureBlock(file.content, {
        block: a.block ?? '',
        state: a.state,
        marker: a.marker,
        markerBegin: a.marker_begin,
        markerEnd: a.marker_end,
        appendNewline: a.append_newline,
        prependNewline: a.prepend_newline,
        ...(a.insertafter !== undefined ? { insertAfter: a.insertafter } : {}),
        ...(a.insertbefore !== undefined ? { insertBefore: a.insertbefore } : {}),
      });
    } catch (err) {
      if (err instanceof RegexError) return ctx.fail(err.message);
      throw err;
    }
    return writeEditedFile(ctx, path, file, outcome.content, {
      contentChanged: outcome.changed,
      msg: outcome.msg,
      mode: a.mode,
      owner: a.owner,
      group: a.group,
      backup: a.backup,
      ...(a.validate ? { validate: a.validate } : {}),
    });
  },
});
