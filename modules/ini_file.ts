/**
 * `ini_file` (also `community.general.ini_file`): ini_set under Ansible's name. Ansible
 * playbooks that use it get their new sections and new files laid out as Ansible's ini_file
 * writes them (no blank line before an appended section; a new file begins with an empty
 * line), so their files come out byte for byte the same; ini_set keeps its own layout.
 */
import { defineModule } from '../core/modules/api.js';
import { iniSchema, runIniEdit, type IniSetArgs } from './ini_set.js';

export default defineModule<IniSetArgs>({
  name: 'ini_file',
  schema: iniSchema,
  docs: {
    short: "Set or remove options in INI files, laid out as Ansible's ini_file",
    description: [
      'The `ini_set` module ([ini_set.md](ini_set.md): every argument, the `settings:` mapping, check mode) under',
      "Ansible's name. The one difference is the layout of what it adds, which follows Ansible's ini_file",
      '(community.general 6): a missing section is appended right after the last line of the file (ini_set puts a',
      'blank line before it), and a new or empty file begins with an empty line, then the section header.',
      'Existing lines, comments and order stay byte for byte in both.',
    ].join('\n'),
    examples: [
      '- name: Ensure fav=lemonade is in section [drinks]',
      '  ini_file:',
      '    path: /etc/conf',
      '    section: drinks',
      '    option: fav',
      '    value: lemonade',
      '    mode: "0600"',
      '    backup: true',
      '',
      '- name: Remove an option',
      '  community.general.ini_file:',
      '    path: /etc/conf',
      '    section: drinks',
      '    option: temperature',
      '    state: absent',
    ].join('\n'),
    returns: {
      path: 'The file edited',
      changes: 'One line per change, as ini_set reports them',
      backup_file: 'The backup copy, when backup=true and the file changed',
      msg: 'The changes joined with "; ", or "OK"',
    },
    notes: [
      "A new file /etc/conf from the first example reads: an empty line, `[drinks]`, `fav = lemonade` (Ansible's bytes).",
      'ini_set, from the same arguments, writes `[drinks]` on the first line.',
    ],
  },
  run: (ctx) => runIniEdit(ctx, 'ini_file'),
});
