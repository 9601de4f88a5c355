/**
 * `template`: render a Handlebars file from the controller with the task's variables and
 * install the result like `copy` does (checksum first, atomic write, mode/owner in the same
 * step). Rendering happens in the controller; the host only receives the text.
 */
import { basename } from 'node:path';
import { defineModule } from '../core/modules/api.js';
import { ansibleTemplateVars } from '../core/template/template-vars.js';
import { requireArg } from './_lib/args.js';
import { attrSchema, type AttrArgs } from './_lib/file-attrs.js';
import { installFile } from '../core/helpers/index.js';

interface TemplateArgs extends AttrArgs {
  src?: string;
  dest?: string;
  backup: boolean;
  force: boolean;
  validate?: string;
  newline_sequence: '\n' | '\r' | '\r\n';
  trim_blocks: boolean;
  lstrip_blocks: boolean;
}

export default defineModule<TemplateArgs>({
  name: 'template',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      src: { type: 'string', description: "Required. Template on the controller (role's templates/, then beside the playbook)." },
      dest: { type: 'string', description: "Required. Path on the host; ending in '/' or an existing directory puts the file inside it." },
      ...attrSchema,
      backup: { type: 'boolean', default: false, description: 'Keep a timestamped copy of the file it replaces.' },
      force: { type: 'boolean', default: true, description: 'Replace a different existing file; with false, only create a missing one.' },
      validate: { type: 'string', description: "Command that checks the rendered file before it is installed; '%s' is the file." },
      newline_sequence: { enum: ['\n', '\r', '\r\n'], default: '\n', description: 'Line ending of the rendered file.' },
      trim_blocks: { type: 'boolean', default: true, description: 'Jinja: remove the first newline after a block tag (`%}`, `#}`).' },
      lstrip_blocks: { type: 'boolean', default: false, description: 'Jinja: remove spaces and tabs before a block tag at the start of a line.' },
    },
  },
  docs: {
    short: 'Render a Jinja or Handlebars template to a file on the host',
    description: [
      'Renders `src` using every variable visible to the task, then installs the text like `copy` with',
      '`content` does: the host is asked for the checksum first and the file is only written when it differs.',
      'A `.j2` file is Jinja (`{% if %}`, `{% for %}`, `{% set %}`, macros, `{% include %}`, with the filters',
      'of playbook expressions; `trim_blocks`/`lstrip_blocks` as in Ansible); a `.hbs` file is Handlebars',
      "(`{{#each list}}`, `{{default x 'y'}}`); another name is Jinja when it has `{% %}` or `{# #}` tags.",
      'The template sees `ansible_managed`, `template_path`, `template_fullpath`, `template_host`,',
      '`template_uid`, `template_mtime`, `template_run_date` and `template_destpath`. An undefined variable',
      'fails the task with its name, the template file and the line.',
    ].join('\n'),
    examples: [
      '# templates/chrony.conf.j2:',
      '#   # {{ ansible_managed }}',
      '#   {% for server in ntp_servers %}',
      '#   server {{ server }} iburst',
      '#   {% endfor %}',
      '- name: chrony.conf from a Jinja template',
      '  template:',
      '    src: chrony.conf.j2',
      '    dest: /etc/chrony.conf',
      '',
      '- name: nova.conf from a template',
      '  template:',
      '    src: nova.conf.hbs',
      '    dest: /etc/nova/nova.conf',
      '    owner: root',
      '    group: nova',
      '    mode: "0640"',
      '    backup: true',
      '',
      '# templates/hosts.hbs:',
      '#   {{#each cluster_hosts}}',
      '#   {{this.ip}} {{this.name}}',
      '#   {{/each}}',
      '- name: /etc/hosts for the cluster',
      '  template:',
      '    src: hosts.hbs',
      '    dest: /etc/hosts',
      '',
    ].join('\n'),
    returns: {
      dest: 'The file written. In check mode, when the content would change, the result has only `changed` and the diff, as in Ansible.',
      src: 'The template on the controller.',
      checksum: 'sha1 of the rendered text.',
      size: 'Size in bytes.',
      mode: 'Mode after the task.',
      owner: 'Owner after the task.',
      group: 'Group after the task.',
      backup_file: 'Backup of the replaced file, when backup: true.',
    },
  },
  async run(ctx) {
    const a = ctx.args;
    requireArg(ctx, a, 'src');
    requireArg(ctx, a, 'dest');
    const local = ctx.findFile('templates', a.src!);
    let text: string;
    try {
      // A vault-encrypted template is decrypted, as Ansible does.
      text = ctx.readControllerFile(local).toString('utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return ctx.fail(
        code === 'ENOENT'
          ? `could not find template src=${a.src} (looked for ${local}; relative paths are searched in the role's templates/ and beside the playbook)`
          : `could not read template ${local}: ${(err as Error).message}`,
      );
    }
    let rendered: string;
    try {
      rendered = String(
        ctx.render(text, local, {
          trimBlocks: a.trim_blocks,
          lstripBlocks: a.lstrip_blocks,
          templateVars: ansibleTemplateVars(a.src!, local, a.dest),
        }),
      );
    } catch (err) {
      return ctx.fail(`could not render template ${local}: ${(err as Error).message}`);
    }
    if (a.newline_sequence !== '\n') rendered = rendered.replace(/\r?\n/g, a.newline_sequence);
    const result = await installFile(ctx, {
      content: rendered,
      dest: a.dest!,
      basename: basename(local),
      label: local,
      mode: a.mode,
      owner: a.owner,
      group: a.group,
      backup: a.backup,
      force: a.force,
      ...(a.validate ? { validate: a.validate } : {}),
    });
    // A check-mode change carries only `changed` and the diff, as Ansible's (install-file.ts).
    return 'dest' in result ? { ...result, src: local } : result;
  },
});
