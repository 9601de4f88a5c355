/**
 * `get_url`: download a URL ON THE TARGET (curl, wget, or bash for plain http; cp for
 * file://) into a temp file beside `dest`, verify its checksum, and rename it into place.
 * One stat (with the checksum) to decide, one script to download-verify-compare-install.
 */
import { posix } from 'node:path';
import { defineModule, type DiffEntry } from '../core/modules/api.js';
import { chmodCommand, chownCommand, ownerSpec } from '../core/transport/operands.js';
import { quote } from '../core/transport/shell-quote.js';
import { applyPlan } from './_lib/apply-plan.js';
import { attrResult, attrSchema, compareAttrs, creationAttrs, parseAttrs, type AttrArgs } from './_lib/file-attrs.js';
import { fetchCommand, FetchArgumentError, FETCH_NO_TOOL, redactUrl, type FetchCommand } from './_lib/fetch-url.js';
import { recordPrediction, statPaths, type ChecksumAlgorithm, type PathState } from './_lib/path-state.js';

interface GetUrlArgs extends AttrArgs {
  url: string;
  dest: string;
  checksum: string;
  force: boolean;
  timeout: number;
  headers: Record<string, string>;
  validate_certs: boolean;
}

const DIGEST_LENGTH: Record<ChecksumAlgorithm, number> = { md5: 32, sha1: 40, sha224: 56, sha256: 64, sha384: 96, sha512: 128 };
const MARK = '@@tsplay:';
/** Stands for the temp file in the fetch command; becomes "$t" in the download script. */
const OUT = '@@OUT@@';

export default defineModule<GetUrlArgs>({
  name: 'get_url',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['url', 'dest'],
    properties: {
      url: { type: 'string', pattern: '^(https?|ftp|file)://', description: 'http, https, ftp or file URL' },
      dest: { type: 'string', pattern: '^/', description: 'Absolute path; an existing directory receives the URL\'s file name' },
      checksum: { type: 'string', default: '', description: "'ALGORITHM:HEXDIGEST' (sha256, sha1, md5, sha224, sha384, sha512)" },
      force: { type: 'boolean', default: false },
      timeout: { type: 'integer', minimum: 1, default: 10 },
      headers: { type: 'object', additionalProperties: { type: 'string' }, default: {} },
      validate_certs: { type: 'boolean', default: true },
      ...attrSchema,
    },
  },
  docs: {
    short: 'Download a file from a URL on the target, checksum-verified and idempotent',
    description: [
      'Downloads on the target host (curl, else wget, else bash /dev/tcp for plain http; file:// is a',
      'local copy) into a temporary file in the destination directory, checks `checksum`, and renames',
      'it over `dest`. When `dest` exists and matches `checksum` (or, without a checksum, unless',
      '`force`), nothing is downloaded. With `force` the download replaces `dest` only if the content',
      'differs. Check mode downloads to a temporary file under /tmp to predict exactly, then removes it.',
    ].join('\n'),
    examples: [
      '- name: CirrOS image for Glance (seed 000, step 11)',
      '  get_url:',
      '    url: http://download.cirros-cloud.net/0.3.3/cirros-0.3.3-x86_64-disk.img',
      '    dest: /root/cirros-0.3.3-x86_64-disk.img',
      '    checksum: md5:133b8a6e1e1ad5a4b0c1d9e5b1a3f2d7',
      '',
      '- name: A file the lab serves locally',
      '  get_url: url=file:///var/lib/tsplay-lab/repo/rdo-release-juno.rpm dest=/root/ mode=0600',
    ].join('\n'),
    returns: {
      dest: 'Final path (dest, or dest/NAME for a directory)',
      checksum_src: 'sha1 of the downloaded content',
      checksum_dest: 'sha1 of dest after the task',
      size: 'Size in bytes',
      msg: 'What happened',
    },
  },
  async run(ctx) {
    const a = ctx.args;
    const sum = parseChecksum(a.checksum, ctx.fail);
    const desired = parseAttrs(ctx, a);
    // The URL as results and messages show it: a password in it is a secret.
    const url = redactUrl(a.url);
    let fetch: FetchCommand;
    try {
      fetch = fetchCommand(a.url, OUT, { timeout: a.timeout, headers: a.headers, validateCerts: a.validate_certs });
    } catch (err) {
      if (err instanceof FetchArgumentError) ctx.fail(err.message);
      throw err;
    }
    const name = posix.basename(decodeURIComponent(new URL(a.url).pathname));
    // dest may be a directory: then the file is dest/NAME (one stat for both possibilities).
    const candidates = [a.dest.replace(/(.)\/+$/, '$1'), ...(name ? [posix.join(a.dest, name)] : [])];
    const states = await statPaths(ctx, candidates, sum ? { checksum: sum.algorithm } : {});
    let target: PathState = states[0]!;
    if (target.kind === 'directory') {
      if (!states[1]) ctx.fail(`dest ${a.dest} is a directory and the URL has no file name to use: give a file path`);
      target = states[1];
    } else if (a.dest.endsWith('/')) {
      ctx.fail(`destination directory ${a.dest} does not exist on ${ctx.host.name}`);
    }
    const path = target.path;
    if (target.kind !== 'absent' && target.kind !== 'file') ctx.fail(`${path} on ${ctx.host.name} is a ${target.kind}, not a file`);
    if (target.parentKind !== 'directory') ctx.fail(`destination directory ${posix.dirname(path)} does not exist on ${ctx.host.name}`);

    const matches = sum !== undefined && target.kind === 'file' && !target.contentUnknown && target.checksum === sum.digest;
    const mustFetch = target.kind === 'absent' || target.contentUnknown === true || (sum ? !matches : a.force);
    if (!mustFetch) {
      // Content is right; only mode/owner/group may differ.
      const cmp = compareAttrs(target, desired);
      if (cmp.changed) await applyPlan(ctx, { attrs: [{ path, kind: 'file', ...cmp.op }] });
      return {
        changed: cmp.changed,
        msg: sum ? 'file already exists with the right checksum' : 'file already exists',
        url,
        dest: path,
        ...attrResult(target, cmp.op),
        ...(cmp.diff && ctx.diff ? { diff: cmp.diff } : {}),
      };
    }

    // Attributes the new content gets: an existing file keeps its own (plus what is asked).
    const attrs = target.kind === 'file' ? compareAttrs(target, desired).op : creationAttrs(desired, false);
    // Credentials and headers travel on stdin (fetch-url.ts), never on the command line.
    const res = await ctx.run(downloadScript(fetch.command, path, sum, attrs, ctx.check), {
      timeoutMs: (a.timeout + 30) * 1000,
      ...(fetch.stdin.length ? { stdin: fetch.stdin } : {}),
    });
    const out = parseMarks(res.stdout);
    if (res.rc !== 0) {
      if (out.badsum) ctx.fail(`checksum mismatch for ${url} on ${ctx.host.name}: expected ${sum!.algorithm}:${sum!.digest}, got ${sum!.algorithm}:${out.badsum}; ${path} left unchanged`);
      const why = res.stderr.trim() || `exit ${res.rc}`;
      ctx.fail(
        res.rc === FETCH_NO_TOOL
          ? `cannot download ${url} on ${ctx.host.name}: ${why} (install curl or wget, or use a file:// or plain http:// URL)`
          : `download of ${url} failed on ${ctx.host.name}: ${why}`,
        { rc: res.rc, url, dest: path },
      );
    }
    const same = out.same !== undefined;
    const attrOnly = same && target.kind === 'file' ? compareAttrs(target, desired) : undefined;
    const changed = same ? attrOnly!.changed : true;
    if (ctx.check && changed) {
      if (!same) ctx.predicted.setFile(path, 'exists');
      recordPrediction(ctx, path, {
        kind: 'file',
        ...(attrs.resultMode !== undefined ? { mode: attrs.resultMode } : target.mode !== undefined ? { mode: target.mode } : { mode: 0o644 }),
        ...(attrs.owner ?? target.owner ? { owner: attrs.owner ?? target.owner } : {}),
        ...(attrs.group ?? target.group ? { group: attrs.group ?? target.group } : {}),
      });
    }
    if (same && attrOnly?.changed && !ctx.check) await applyPlan(ctx, { attrs: [{ path, kind: 'file', ...attrOnly.op }] });
    const diff: DiffEntry | undefined = !ctx.diff || !changed
      ? undefined
      : same
        ? attrOnly!.diff
        : {
            before: target.kind === 'file' ? `path: ${path}\nsize: ${target.size}\n` : '',
            after: `path: ${path}\nsize: ${out.size}\nchecksum (sha1): ${out.sha1}\n`,
            beforeHeader: target.kind === 'file' ? `${path} (before)` : '/dev/null',
            afterHeader: `${path} (downloaded)`,
          };
    return {
      changed,
      msg: same ? 'file already has this content' : `${ctx.check ? 'would download' : 'downloaded'} ${out.size} bytes`,
      url,
      dest: path,
      checksum_src: out.sha1,
      checksum_dest: same || !ctx.check ? out.sha1 : (target.checksum ?? null),
      size: Number(out.size),
      ...attrResult(target, same ? (attrOnly?.op ?? {}) : attrs),
      ...(diff ? { diff } : {}),
    };
  },
});

function parseChecksum(text: string, fail: (m: string) => never): { algorithm: ChecksumAlgorithm; digest: string } | undefined {
  if (!text) return undefined;
  const m = /^(md5|sha1|sha224|sha256|sha384|sha512):([0-9a-fA-F]+)$/.exec(text.trim());
  if (!m) return fail(`checksum '${text}' must be ALGORITHM:HEXDIGEST with ALGORITHM one of md5, sha1, sha224, sha256, sha384, sha512`);
  const algorithm = m[1] as ChecksumAlgorithm;
  if (m[2]!.length !== DIGEST_LENGTH[algorithm]) return fail(`checksum '${text}': a ${algorithm} digest has ${DIGEST_LENGTH[algorithm]} hex digits, not ${m[2]!.length}`);
  return { algorithm, digest: m[2]!.toLowerCase() };
}

/**
 * Download into a temp file (beside dest; under /tmp in check mode), verify, compare with
 * dest, and (real runs) set attributes and rename. Prints marks: sha1, size, badsum, same.
 */
function downloadScript(
  fetch: string,
  path: string,
  sum: { algorithm: ChecksumAlgorithm; digest: string } | undefined,
  attrs: { chmod?: string; owner?: string; group?: string },
  check: boolean,
): string {
  const f = quote(path);
  const lines = [
    'set -u',
    check ? 't=$(mktemp /tmp/tsplay-get_url.XXXXXXXX) || exit 97' : `t=$(mktemp -- "$(dirname -- ${f})/.tsplay-get_url.XXXXXXXX") || exit 97`,
    `trap 'rm -f -- "$t"' EXIT HUP INT TERM`,
    `${fetch} || exit $?`.split(quote(OUT)).join('"$t"'),
  ];
  if (sum) lines.push(`h=$(${sum.algorithm}sum < "$t") || exit 1; h=\${h%% *}`, `[ "$h" = ${quote(sum.digest)} ] || { echo "${MARK}badsum=$h"; exit 96; }`);
  lines.push(
    's=$(sha1sum < "$t") || exit 1; echo "' + MARK + 'sha1=${s%% *}"',
    `echo "${MARK}size=$(wc -c < "$t")"`,
    `if [ -f ${f} ] && cmp -s -- "$t" ${f}; then echo '${MARK}same'; exit 0; fi`,
  );
  if (!check) {
    lines.push(`if [ -e ${f} ]; then chown --reference=${f} -- "$t" 2>/dev/null; chmod --reference=${f} -- "$t"; else chmod 0644 -- "$t"; fi`);
    if (attrs.chmod) lines.push(`${chmodCommand(attrs.chmod, '"$t"')} || exit 1`);
    const spec = ownerSpec(attrs.owner, attrs.group);
    if (spec) lines.push(`${chownCommand(spec, '"$t"')} || exit 1`);
    lines.push(`mv -f -- "$t" ${f} || exit 1`, 'trap - EXIT');
  }
  return lines.join('\n');
}

function parseMarks(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(MARK)) continue;
    const [k, ...v] = line.slice(MARK.length).split('=');
    out[k!] = v.join('=').trim();
  }
  return out;
}
