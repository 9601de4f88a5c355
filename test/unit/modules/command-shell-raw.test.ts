/** command, shell, raw and ping against the local transport. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import command from '../../../modules/command.js';
import copy from '../../../modules/copy.js';
import file from '../../../modules/file.js';
import ping from '../../../modules/ping.js';
import raw from '../../../modules/raw.js';
import shell from '../../../modules/shell.js';
import { duration, globWord, guardScript, timestamp } from '../../../modules/_lib/command-runner.js';
import { HostRuntime, NASTY, removeDir, run, snapshot, tempDir } from './general-helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => removeDir(dir));

describe('command', () => {
  it('passes every word to the program literally (no shell) with expand_argument_vars: false', async () => {
    const r = await run(command, { argv: ['printf', '%s|', 'a b', '$HOME', '`id`', '$(id)', ';', '>', 'x\ny', "it's"], expand_argument_vars: false });
    expect(r.failed).toBe(false);
    expect(r.stdout).toBe("a b|$HOME|`id`|$(id)|;|>|x\ny|it's|");
    expect(r.cmd).toEqual(['printf', '%s|', 'a b', '$HOME', '`id`', '$(id)', ';', '>', 'x\ny', "it's"]);
  });

  it('expands $VAR, ${VAR} and a leading ~ in each word from the environment, as Ansible; nothing else', async () => {
    const home = process.env.HOME!;
    const r = await run(command, { argv: ['printf', '%s|', '$HOME', '${HOME}/x', '~', '~/y', '$TSPLAY_SURELY_UNSET', 'a b', '`id`', '$(id)', '*', ';', '$', "it's"] });
    expect(r.failed).toBe(false);
    expect(r.stdout).toBe(`${home}|${home}/x|${home.replace(/\/+$/, '') || '/'}|${home.replace(/\/+$/, '')}/y|$TSPLAY_SURELY_UNSET|a b|\`id\`|$(id)|*|;|$|it's|`);
    // cmd, as Ansible reports it, is the words as written.
    expect(r.cmd).toEqual(['printf', '%s|', '$HOME', '${HOME}/x', '~', '~/y', '$TSPLAY_SURELY_UNSET', 'a b', '`id`', '$(id)', '*', ';', '$', "it's"]);
  });

  it('splits the cmd string like a shell, quotes respected, nothing expanded (expand_argument_vars: false)', async () => {
    const r = await run(command, { cmd: `printf '%s|' "a b" '$HOME' * ; echo`, expand_argument_vars: false });
    expect(r.stdout).toBe('a b|$HOME|*|;|echo|');
    expect(r.changed).toBe(true);
    expect(r.rc).toBe(0);
    expect(typeof r.start).toBe('string');
    expect(r.delta).toMatch(/^\d+:\d\d:\d\d\.\d{6}$/);
  });

  it('writes metacharacter content byte for byte through argv', async () => {
    const target = join(dir, 'out file $x');
    const r = await run(command, { argv: ['sh', '-c', 'printf "%s" "$1" > "$2"', 'sh', NASTY, target], expand_argument_vars: false });
    expect(r.failed).toBe(false);
    expect(readFileSync(target, 'utf8')).toBe(NASTY);
  });

  it('chdir, stdin (with and without the added newline) and strip_empty_ends', async () => {
    expect((await run(command, { cmd: 'pwd', chdir: dir })).stdout).toBe(dir);
    expect((await run(command, { cmd: 'od -c', stdin: 'x' })).stdout).toContain('x  \\n');
    expect((await run(command, { cmd: 'od -c', stdin: 'x', stdin_add_newline: false })).stdout).not.toContain('\\n');
    expect((await run(command, { cmd: 'printf "a\\n\\n"' })).stdout).toBe('a');
    const kept = await run(command, { cmd: 'printf "a\\n\\n"', strip_empty_ends: false });
    expect(kept.stdout).toBe('a\n\n');
    expect(kept.stdout_lines).toEqual(['a', '']);
  });

  it('fails on a non-zero exit with rc, stdout and stderr in the result', async () => {
    const r = await run(command, { argv: ['sh', '-c', 'echo out; echo err >&2; exit 3'] });
    expect(r.failed).toBe(true);
    expect(r.msg).toBe('non-zero return code');
    expect(r.rc).toBe(3);
    expect(r.stdout).toBe('out');
    expect(r.stderr).toBe('err');
    expect(r.stderr_lines).toEqual(['err']);
  });

  it('names a missing program', async () => {
    const r = await run(command, { cmd: 'no-such-program-tsplay --x' });
    expect(r.failed).toBe(true);
    expect(r.msg).toContain('command not found');
    expect(r.msg).toContain('no-such-program-tsplay');
  });

  it('creates: runs once, then reports ok; check mode predicts both', async () => {
    const marker = join(dir, 'made it');
    const args = { cmd: `touch '${marker}'`, creates: marker };
    const check = await run(command, args, { check: true });
    expect(check).toMatchObject({ changed: true, skipped: false, msg: 'Command would have run if not in check mode' });
    expect(existsSync(marker)).toBe(false);
    expect((await run(command, args)).changed).toBe(true);
    const second = await run(command, args);
    expect(second).toMatchObject({ changed: false, rc: 0, msg: `Did not run command since '${marker}' exists` });
    expect((await run(command, args, { check: true })).changed).toBe(false);
  });

  it('check mode: creates/removes see what earlier check-mode tasks would have done', async () => {
    const runtime = new HostRuntime();
    const made = join(dir, 'made');
    await run(copy, { content: 'x', dest: made }, { check: true, runtime });
    expect((await run(command, { cmd: 'false', creates: made }, { check: true, runtime })).changed).toBe(false);
    expect((await run(command, { cmd: 'false', chdir: dir, creates: 'made' }, { check: true, runtime })).changed).toBe(false);
    writeFileSync(join(dir, 'gone'), '');
    await run(file, { path: join(dir, 'gone'), state: 'absent' }, { check: true, runtime });
    expect((await run(command, { cmd: 'false', removes: join(dir, 'gone') }, { check: true, runtime })).changed).toBe(false);
    expect(existsSync(made)).toBe(false);
  });

  it('creates/removes accept globs, resolved after chdir', async () => {
    writeFileSync(join(dir, 'a-1.log'), '');
    expect((await run(command, { cmd: 'false', chdir: dir, creates: 'a-*.log' })).changed).toBe(false);
    expect((await run(command, { cmd: 'true', chdir: dir, removes: 'b-*.log' })).changed).toBe(false);
    expect((await run(command, { cmd: 'true', chdir: dir, removes: 'a-?.log' })).changed).toBe(true);
    // A glob metacharacter inside a name with spaces and quotes is still literal elsewhere.
    writeFileSync(join(dir, "it's here"), '');
    expect((await run(command, { cmd: 'false', creates: join(dir, "it's*") })).changed).toBe(false);
  });

  it('check mode without creates/removes is skipped, like Ansible', async () => {
    const before = snapshot(dir);
    const r = await run(command, { cmd: `touch ${dir}/x` }, { check: true });
    expect(r).toMatchObject({ skipped: true, changed: false });
    expect(snapshot(dir)).toEqual(before);
  });

  it('bad input: no command, both cmd and argv, unknown argument, bad quoting, bad chdir', async () => {
    expect((await run(command, {})).msg).toContain('no command given');
    expect((await run(command, { cmd: 'ls', argv: ['ls'] })).msg).toContain('mutually exclusive');
    const unknown = await run(command, { cmd: 'ls', chdri: '/tmp' });
    expect(unknown.failed).toBe(true);
    expect(unknown.msg).toContain("unsupported argument 'chdri' - did you mean 'chdir'?");
    expect((await run(command, { cmd: 'echo "unterminated' })).msg).toContain('could not split');
    const chdir = await run(command, { cmd: 'ls', chdir: join(dir, 'missing') });
    expect(chdir.failed).toBe(true);
    expect(chdir.msg).toContain('Unable to change directory');
  });
});

describe('shell', () => {
  it('interprets pipes, redirections and variables on the host', async () => {
    const r = await run(shell, { cmd: `echo "$((1+2))" | tr 3 x > ${dir}/o; cat ${dir}/o` });
    expect(r.stdout).toBe('x');
    expect(r.cmd).toBe(`echo "$((1+2))" | tr 3 x > ${dir}/o; cat ${dir}/o`);
  });

  it('runs with another executable and keeps the text intact', async () => {
    const r = await run(shell, { cmd: 'echo "${BASH_VERSION:+bash}" \'$literal\'', executable: '/bin/bash' });
    expect(r.stdout).toBe('bash $literal');
  });

  it('honours creates and fails on errors', async () => {
    const marker = join(dir, 'm');
    expect((await run(shell, { cmd: `echo x > ${marker}`, creates: marker })).changed).toBe(true);
    expect((await run(shell, { cmd: `echo y > ${marker}`, creates: marker })).changed).toBe(false);
    expect(readFileSync(marker, 'utf8')).toBe('x\n');
    const r = await run(shell, { cmd: 'exit 7' });
    expect(r).toMatchObject({ failed: true, rc: 7 });
    expect((await run(shell, { cmd: '  ' })).msg).toContain('no command given');
  });
});

describe('raw', () => {
  it('runs the text as is and is skipped in check mode', async () => {
    const r = await run(raw, { cmd: `echo $((2*3)); echo err >&2` });
    expect(r).toMatchObject({ changed: true, stdout: '6\n', stderr: 'err\n', rc: 0 });
    const c = await run(raw, { cmd: `touch ${dir}/x` }, { check: true });
    expect(c.skipped).toBe(true);
    expect(existsSync(join(dir, 'x'))).toBe(false);
    expect((await run(raw, { cmd: 'exit 2' })).failed).toBe(true);
  });
});

describe('ping', () => {
  it('answers pong, echoes data byte for byte, crashes on request', async () => {
    expect(await run(ping, {})).toMatchObject({ changed: false, failed: false, ping: 'pong' });
    expect((await run(ping, { data: NASTY })).ping).toBe(NASTY);
    expect((await run(ping, { data: 'crash' })).failed).toBe(true);
  });
});

describe('command helpers', () => {
  it('globWord keeps * ? and simple [sets] active and quotes the rest', () => {
    expect(globWord('/tmp/a b*.log')).toBe("'/tmp/a b'*.log");
    expect(globWord('~/x?')).toBe('"$HOME"/x?');
    expect(globWord('/x/[ab]c')).toBe('/x/[ab]c');
    expect(globWord('/x/[;rm -rf]')).toBe("'/x/[;rm -rf]'");
    expect(globWord("/x/it's $HOME")).toBe(`'/x/it'"'"'s $HOME'`);
  });

  it('the guard script only execs after every guard', () => {
    const s = guardScript('N', "'ls'", { chdir: '/d', creates: '/c', removes: '/r' }, false);
    expect(s.split('\n').at(-1)).toBe("exec 'ls'");
    expect(guardScript('N', "'ls'", {}, true)).not.toContain('exec');
  });

  it('formats times like Python', () => {
    expect(duration(3_723_004)).toBe('1:02:03.004000');
    expect(timestamp(new Date(2024, 0, 2, 3, 4, 5, 6))).toBe('2024-01-02 03:04:05.006000');
  });
});
