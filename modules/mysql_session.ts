/**
 * `mysql_session`: a MySQL/MariaDB client session held open across tasks (a held session,
 * docs/held-sessions.md), for what only lasts as long as its session: FLUSH TABLES WITH READ
 * LOCK, LOCK TABLES, GET_LOCK, a transaction. One task opens it (and runs its first
 * statements), later tasks run statements in the same session, and one ends it. Ending the
 * client's input ends the session, so a dropped connection, an interrupted run or the end of
 * the play releases what it held.
 */
import { randomBytes } from 'node:crypto';
import { defineModule, type HeldSessionHandle, type ModuleContext, type ModuleResult } from '../core/modules/api.js';
import { LOGIN_DOC_NOTES, LOGIN_PROPERTIES, type LoginArgs } from './_lib/mysql-client.js';
import { markerEnd, markerStatement, parseStatementOutput, sessionCommand, statement, withoutMarker, type StatementOutput } from './_lib/mysql-session-client.js';

interface Args extends LoginArgs {
  name: string;
  state: 'present' | 'absent';
  query?: string | string[];
  timeout: number;
}

const KIND = 'mysql';
const PREDICTION = 'mysql_session';

export default defineModule<Args>({
  name: 'mysql_session',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: { type: 'string', minLength: 1, description: 'The session, by name on this host: the task that opens it and the tasks that use or end it give the same name' },
      state: { type: 'string', enum: ['present', 'absent'], default: 'present', description: 'present: open it (if not open) and run query in it; absent: run query in it, then end it' },
      query: {
        description: 'Statements to run in the session, one per item, in order',
        oneOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 } }],
      },
      timeout: { type: 'integer', minimum: 1, default: 60, description: 'Seconds a statement may take, also its lock_wait_timeout (a lock it waits for longer fails it)' },
      ...LOGIN_PROPERTIES,
    },
  },
  docs: {
    short: 'Hold a MySQL/MariaDB session across tasks (FLUSH TABLES WITH READ LOCK ... UNLOCK TABLES)',
    description: [
      'Opens a `mysql` client session on the host and keeps it open after the task, under a name;',
      'later tasks run statements in that same session, and `state: absent` ends it. Locks and',
      'transactions live as long as their session, so this is how a playbook holds',
      '`FLUSH TABLES WITH READ LOCK` while other tasks run (a snapshot), which a one-shot',
      '`mysql -e` cannot: its lock is gone when it exits. If the run stops first (a failure,',
      'Ctrl-C, the end of the play, a dropped connection) the session ends and the server releases',
      'its locks. See docs/held-sessions.md.',
    ].join('\n'),
    notes: [
      ...LOGIN_DOC_NOTES,
      'Reports changed whenever it opens a session, runs statements or ends a session.',
      'Check mode opens nothing: it logs in once with `SELECT 1` to prove the session could be opened, and predicts.',
    ],
    examples: [
      '- name: Hold the global read lock for the snapshot',
      '  mysql_session:',
      '    name: backup',
      '    query: FLUSH TABLES WITH READ LOCK',
      '    login_unix_socket: /var/lib/mysql/mysql.sock',
      '',
      '- name: Release it',
      '  mysql_session:',
      '    name: backup',
      '    state: absent',
      '    query: UNLOCK TABLES',
    ].join('\n'),
    returns: {
      session: 'The session name',
      connection_id: "The server's CONNECTION_ID() of the session",
      query_result: 'Per statement, its rows (one mapping per row, by column name; NULL is null)',
      executed_queries: 'The statements run by this task',
      msg: 'What happened',
    },
  },
  run,
});

async function run(ctx: ModuleContext<Args>): Promise<ModuleResult> {
  const a = ctx.args;
  // Masked from the start: an ending task that opens nothing may still be given the password.
  if (a.login_password !== undefined) ctx.secret(a.login_password);
  const queries = a.query === undefined ? [] : Array.isArray(a.query) ? a.query : [a.query];
  let statements: string[];
  try {
    statements = queries.map(statement);
  } catch (err) {
    return ctx.fail(`query: ${(err as Error).message}`);
  }
  const existing = ctx.sessions.get(a.name);
  if (existing && existing.kind !== KIND) ctx.fail(`held session '${a.name}' is a ${existing.kind} session, not a mysql one: give this task another name`);

  if (a.state === 'absent') return end(ctx, existing, statements);

  if (ctx.check) {
    const open = existing?.alive || ctx.predicted.get<boolean>(PREDICTION, a.name);
    if (!open) await probeLogin(ctx);
    ctx.predicted.set(PREDICTION, a.name, true);
    return { changed: !open || statements.length > 0, session: a.name, executed_queries: statements.map((s) => s.trim()), msg: `${open ? 'would run the statements in' : 'would open'} mysql session ${a.name}` };
  }

  let session = existing?.alive ? existing : undefined;
  if (existing && !existing.alive) {
    return ctx.fail(`mysql session ${a.name} ended before this task (${existing.endReason}): what it held was released then; end it with state: absent`);
  }
  let opened = false;
  let connectionId: string | undefined;
  if (!session) {
    session = await open(ctx);
    opened = true;
  }
  try {
    connectionId = opened ? await askConnectionId(ctx, session) : undefined;
    const results = await runStatements(ctx, session, statements);
    return {
      changed: opened || statements.length > 0,
      session: a.name,
      ...(connectionId !== undefined ? { connection_id: connectionId } : {}),
      executed_queries: statements.map((s) => s.trim()),
      query_result: results.map((r) => r.rows),
      msg: `${opened ? 'opened' : 'used'} mysql session ${a.name}${statements.length ? ` (${statements.length} statement(s))` : ''}`,
    };
  } catch (err) {
    // A session that failed to do what the task asked holds nothing a later task relies on.
    if (opened) await session.end();
    throw err;
  }
}

/** Start the client and wait until it is logged in (its first reply), with the statement timeout set. */
async function open(ctx: ModuleContext<Args>): Promise<HeldSessionHandle> {
  const a = ctx.args;
  const { command, stdinPrefix } = sessionCommand(ctx);
  const nonce = randomBytes(8).toString('hex');
  const setup = `SET SESSION lock_wait_timeout = ${a.timeout};\n${markerStatement(nonce)}`;
  const session = await ctx.sessions.open(a.name, KIND, command, { stdin: `${stdinPrefix}${setup}`, label: `mysql session ${a.name}` });
  let reply: string;
  try {
    reply = await session.reply(undefined, markerEnd(nonce), { timeoutMs: a.connect_timeout * 1000 + 5000 });
  } catch (err) {
    await session.end();
    const output = (err as { output?: string }).output?.trim();
    return ctx.fail(`could not open mysql session ${a.name}: ${output || (err as Error).message}`);
  }
  const out = parseStatementOutput(withoutMarker(reply, nonce));
  if (out.errors.length) {
    await session.end();
    return ctx.fail(`could not open mysql session ${a.name}: ${out.errors.join('; ')}`);
  }
  return session;
}

async function askConnectionId(ctx: ModuleContext<Args>, session: HeldSessionHandle): Promise<string | undefined> {
  const [r] = await runStatements(ctx, session, ['SELECT CONNECTION_ID() AS id;\n']);
  return r?.rows[0]?.id ?? undefined;
}

/** Each statement followed by a marker: its reply is what the client printed before the marker. */
async function runStatements(ctx: ModuleContext<Args>, session: HeldSessionHandle, statements: string[]): Promise<StatementOutput[]> {
  const results: StatementOutput[] = [];
  for (const s of statements) {
    const nonce = randomBytes(8).toString('hex');
    let reply: string;
    try {
      // The client stops a statement at lock_wait_timeout; the extra seconds only catch a hung one.
      reply = await session.reply(`${s}${markerStatement(nonce)}`, markerEnd(nonce), { timeoutMs: ctx.args.timeout * 1000 + 10_000 });
    } catch (err) {
      const output = (err as { output?: string }).output?.trim();
      return ctx.fail(`mysql session ${ctx.args.name}: ${s.trim()} did not complete: ${(err as Error).message}${output ? `: ${output}` : ''}; the session is ended and what it held is released`);
    }
    const out = parseStatementOutput(withoutMarker(reply, nonce));
    if (out.errors.length) ctx.fail(`mysql session ${ctx.args.name}: ${s.trim()} failed: ${out.errors.join('; ')}`, { query_result: results.map((r) => r.rows) });
    results.push(out);
  }
  return results;
}

async function end(ctx: ModuleContext<Args>, session: HeldSessionHandle | undefined, statements: string[]): Promise<ModuleResult> {
  const name = ctx.args.name;
  if (ctx.check) {
    const open = session?.alive || ctx.predicted.get<boolean>(PREDICTION, name);
    ctx.predicted.set(PREDICTION, name, false);
    return { changed: Boolean(open), session: name, msg: open ? `would end mysql session ${name}` : `no mysql session ${name} is open` };
  }
  if (!session) return { changed: false, session: name, msg: `no mysql session ${name} is open` };
  if (!session.alive) {
    const why = session.endReason;
    await session.end();
    return ctx.fail(`mysql session ${name} had ended before this task (${why}): what it held was released at that moment, before this task ran`);
  }
  let failure: Error | undefined;
  let results: StatementOutput[] = [];
  try {
    results = await runStatements(ctx, session, statements);
  } catch (err) {
    failure = err as Error;
  }
  // End of input: the client quits, and the server drops the session with its locks.
  const exit = await session.end();
  if (failure) throw failure;
  if (exit.killed) ctx.fail(`mysql session ${name} did not quit at the end of its input and was killed (${exit.reason})`);
  return {
    changed: true,
    session: name,
    executed_queries: statements.map((s) => s.trim()),
    query_result: results.map((r) => r.rows),
    msg: `ended mysql session ${name}${statements.length ? ` after ${statements.length} statement(s)` : ''}`,
  };
}

/** Check mode: log in once, as the session would, so a wrong socket or password fails here too. */
async function probeLogin(ctx: ModuleContext<Args>): Promise<void> {
  const { command, stdinPrefix } = sessionCommand(ctx);
  const r = await ctx.run(command, { stdin: `${stdinPrefix}SELECT 1;\n` });
  const out = parseStatementOutput(r.stdout);
  if (r.rc !== 0 || out.errors.length) ctx.fail(`could not open mysql session ${ctx.args.name}: ${(out.errors.join('; ') || r.stdout.trim() || r.stderr.trim() || `mysql exited with status ${r.rc}`)}`);
}
