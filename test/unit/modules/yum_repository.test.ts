/**
 * yum_repository: the .repo editing (pure), the module on this machine's files (check mode
 * changes nothing and predicts, idempotence, other sections kept, absent), and this
 * machine's real dnf reading what it wrote.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import yumRepository from '../../../modules/yum_repository.js';
import { parseRepoFile, renderRepoFile, renderSection, setSection } from '../../../modules/_lib/yum-repository.js';
import { expectIdempotent, HostRuntime, removeDir, run, tempDir } from './general-helpers.js';

const XEN = { name: 'xen-c6', description: 'CentOS-$releasever - Xen', baseurl: 'http://isoredirect.centos.org/centos/6/xen4/$basearch/', gpgcheck: false, enabled: false, priority: 1 };
const XEN_SECTION = '[xen-c6]\nbaseurl = http://isoredirect.centos.org/centos/6/xen4/$basearch/\nenabled = 0\ngpgcheck = 0\nname = CentOS-$releasever - Xen\npriority = 1\n';

const OTHER = `# local mirrors, kept by hand
[base]
name=CentOS-$releasever - Base
baseurl=file:///srv/os   # the DVD
gpgcheck=0

[updates]
name=Updates
baseurl=file:///srv/updates
`;

describe('.repo files (pure)', () => {
  it('round-trips byte for byte', () => {
    for (const t of [OTHER, '', '[a]\nx=1', '\n\n[a]\n\n\n[b]\ny = 2\n', 'no section at all\n']) expect(renderRepoFile(parseRepoFile(t))).toBe(t);
  });

  it("renders a section as Ansible's yum_repository: sorted, key = value, 1/0, lists with spaces", () => {
    expect(renderSection('r', { name: 'R', enabled: true, baseurl: ['http://a/', 'http://b/'], priority: 5, gpgcheck: false, skipped: undefined })).toEqual([
      '[r]',
      'baseurl = http://a/ http://b/',
      'enabled = 1',
      'gpgcheck = 0',
      'name = R',
      'priority = 5',
    ]);
  });

  it('replaces a section in place, keeps the others and their comments, adds at the end, removes', () => {
    const doc = parseRepoFile(OTHER);
    const replaced = renderRepoFile(setSection(doc, 'base', ['[base]', 'name = B', 'baseurl = file:///x']));
    expect(replaced).toBe(OTHER.replace('[base]\nname=CentOS-$releasever - Base\nbaseurl=file:///srv/os   # the DVD\ngpgcheck=0\n', '[base]\nname = B\nbaseurl = file:///x\n'));
    expect(renderRepoFile(setSection(doc, 'new', ['[new]', 'name = N']))).toBe(`${OTHER}\n[new]\nname = N\n`);
    expect(renderRepoFile(setSection(doc, 'base', null))).toBe('# local mirrors, kept by hand\n[updates]\nname=Updates\nbaseurl=file:///srv/updates\n');
    expect(renderRepoFile(setSection(parseRepoFile(''), 'new', ['[new]']))).toBe('[new]\n');
    expect(renderRepoFile(setSection(parseRepoFile('# head'), 'new', ['[new]']))).toBe('# head\n\n[new]\n');
    // A duplicated id (yum warns about it) is left as one section.
    expect(renderRepoFile(setSection(parseRepoFile('[a]\nx=1\n[a]\nx=2\n'), 'a', ['[a]', 'x = 3']))).toBe('[a]\nx = 3\n');
  });
});

describe('yum_repository on this machine', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('tsplay-repos-');
  });
  afterEach(() => removeDir(dir));

  it('seed 000 step 12: check predicts and changes nothing, the run writes, then nothing changes', async () => {
    const r = await expectIdempotent(yumRepository, { ...XEN, reposdir: dir }, dir);
    expect(r.checkChangedNothing).toBe(true);
    expect(r.check).toMatchObject({ changed: true, failed: false, changes: ['section [xen-c6] added'] });
    expect(r.first).toMatchObject({ changed: true, repo: 'xen-c6', state: 'present', path: join(dir, 'xen-c6.repo') });
    expect(r.first.diff).toEqual(r.check.diff);
    expect(r.second).toMatchObject({ changed: false, msg: 'OK' });
    expect(r.checkAfter.changed).toBe(false);
    expect(readFileSync(join(dir, 'xen-c6.repo'), 'utf8')).toBe(XEN_SECTION);
    expect((statSync(join(dir, 'xen-c6.repo')).mode & 0o777).toString(8)).toBe('644');
  });

  it('check mode records the file for later tasks of the dry run (the yum module reads .repo files from there)', async () => {
    const runtime = new HostRuntime();
    await run(yumRepository, { ...XEN, reposdir: dir }, { check: true, runtime });
    expect(runtime.predicted.filesIn(dir)).toEqual([join(dir, 'xen-c6.repo')]);
    expect(String(runtime.predicted.file(join(dir, 'xen-c6.repo')))).toBe(XEN_SECTION);
    expect(existsSync(join(dir, 'xen-c6.repo'))).toBe(false);
  });

  it('a changed option replaces the section; other repositories of the file stay byte for byte', async () => {
    writeFileSync(join(dir, 'local.repo'), OTHER);
    const add = await run(yumRepository, { ...XEN, file: 'local', reposdir: dir });
    expect(add).toMatchObject({ changed: true, changes: ['section [xen-c6] added'] });
    expect(readFileSync(join(dir, 'local.repo'), 'utf8')).toBe(`${OTHER}\n${XEN_SECTION}`);
    const enable = await run(yumRepository, { ...XEN, enabled: true, file: 'local', reposdir: dir }, { check: true });
    expect(enable).toMatchObject({ changed: true, changes: ['section [xen-c6] replaced'] });
    expect(enable.diff).toEqual([expect.objectContaining({ before: expect.stringContaining('enabled = 0'), after: expect.stringContaining('enabled = 1') })]);
    expect(readFileSync(join(dir, 'local.repo'), 'utf8')).toContain('enabled = 0');
    const gone = await run(yumRepository, { name: 'xen-c6', file: 'local', reposdir: dir, state: 'absent' });
    expect(gone).toMatchObject({ changed: true, changes: ['section [xen-c6] removed'] });
    expect(readFileSync(join(dir, 'local.repo'), 'utf8')).toBe(`${OTHER}\n`);
    expect((await run(yumRepository, { name: 'xen-c6', file: 'local', reposdir: dir, state: 'absent' })).changed).toBe(false);
  });

  it('the last repository removed takes the file with it; absent when there is no file changes nothing', async () => {
    await run(yumRepository, { ...XEN, reposdir: dir });
    const check = await run(yumRepository, { name: 'xen-c6', reposdir: dir, state: 'absent' }, { check: true });
    expect(check).toMatchObject({ changed: true, changes: [`file ${join(dir, 'xen-c6.repo')} removed (no repository left)`] });
    expect(existsSync(join(dir, 'xen-c6.repo'))).toBe(true);
    expect((await run(yumRepository, { name: 'xen-c6', reposdir: dir, state: 'absent' })).changed).toBe(true);
    expect(existsSync(join(dir, 'xen-c6.repo'))).toBe(false);
    expect((await run(yumRepository, { name: 'xen-c6', reposdir: dir, state: 'absent' })).changed).toBe(false);
  });

  it('mode of an existing file is fixed without rewriting it', async () => {
    await run(yumRepository, { ...XEN, reposdir: dir });
    const r = await run(yumRepository, { ...XEN, reposdir: dir, mode: '0600' });
    expect(r).toMatchObject({ changed: true, changes: ['mode 0644 -> 0600'] });
    expect((statSync(join(dir, 'xen-c6.repo')).mode & 0o777).toString(8)).toBe('600');
  });

  it('bad input: clear messages, nothing written', async () => {
    expect((await run(yumRepository, { name: 'x', baseurl: 'http://a/', reposdir: dir })).msg).toBe("repository x: 'description' is required with state=present (it becomes the repository's name = line)");
    expect((await run(yumRepository, { name: 'x', description: 'X', reposdir: dir })).msg).toBe('repository x: give baseurl, mirrorlist or metalink (state=present)');
    expect((await run(yumRepository, { name: 'x', description: 'X\ny', baseurl: 'http://a/', reposdir: dir })).msg).toBe('repository x: the value of description must be on one line');
    // The seed's own header, with U+2012 for the dash: no --enablerepo could name it.
    expect((await run(yumRepository, { name: 'xen\u2012c6', description: 'X', baseurl: 'http://a/', reposdir: dir })).msg).toBe('repository id "xen\u2012c6" may only contain letters, digits and - _ . :');
    expect((await run(yumRepository, { ...XEN, priority: 100, reposdir: dir })).failed).toBe(true);
    expect((await run(yumRepository, { ...XEN, mode: 'u=rw', reposdir: dir })).msg).toContain("argument 'mode' must be octal");
    expect(existsSync(join(dir, 'x.repo'))).toBe(false);
  });

  const hasDnf = (() => {
    try {
      execFileSync('sh', ['-c', 'command -v dnf'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!hasDnf)('dnf reads the repository as written: disabled, with its name', async () => {
    await run(yumRepository, { ...XEN, baseurl: `file://${dir}/nothing`, reposdir: dir });
    await run(yumRepository, { name: 'other', description: 'Other $releasever', baseurl: `file://${dir}/nothing`, enabled: true, file: 'xen-c6', reposdir: dir });
    const list = execFileSync('dnf', ['-q', `--setopt=reposdir=${dir}`, '--releasever=7', 'repolist', '--all'], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
    expect(list).toMatch(/^other\s+Other 7\s+enabled$/m);
    expect(list).toMatch(/^xen-c6\s+CentOS-7 - Xen\s+disabled$/m);
  });
});
