/**
 * Download a URL ON THE TARGET into a file, with whatever the host has: curl, else wget,
 * else (plain http:// only) bash's /dev/tcp. `file://` URLs are copied with cp. Used by
 * `get_url` and by `yum` for package URLs. The returned snippet is one shell command; the
 * choice of tool happens in the remote shell (`command -v` is a builtin: no extra process).
 *
 * Credentials in the URL (`https://user:pass@host/`) and request headers are secrets: a
 * command line is visible to every user of the target (`ps`), so they never go on one.
 * The snippet reads them from its stdin (`stdin` of the result) into shell variables, and
 * hands them to curl as a config on a pipe (`-K -`), to wget as a config file that is
 * unlinked before wget starts (`--config=/dev/fd/3`), to the bash fallback on a pipe.
 */
import { quote, quoteArgv } from '../../core/transport/shell-quote.js';

export interface FetchOptions {
  /** Seconds for the whole transfer. */
  timeout: number;
  /** Extra request headers (`Name: value`). */
  headers?: Record<string, string>;
  /** false: accept any TLS certificate (Ansible's validate_certs: no). */
  validateCerts?: boolean;
}

/** Exit status of the snippet when the host has no way to fetch the URL. */
export const FETCH_NO_TOOL = 69;

/**
 * HTTP/1.0 GET over bash's /dev/tcp for hosts without curl or wget (minimal images).
 * `read` consumes the socket byte by byte, so the body that `cat` copies starts exactly
 * after the headers; HTTP/1.0 forbids chunked replies and the server closes at the end.
 * Arguments: URL OUT. Stdin: the Authorization line (sent only to the URL's own host and
 * port; may be empty), then one request header per line. Exit codes follow curl's (7
 * connect, 22 HTTP error).
 */
const BASH_HTTP_GET = [
  'set -u',
  'u=$1 o=$2',
  'IFS= read -r auth || auth=',
  'hs=(); while IFS= read -r l; do hs+=("$l"); done',
  'hops=0 home=',
  'while :; do',
  '  case $u in',
  '    http://*) ;;',
  '    https://*) echo "https:// needs curl or wget on this host" >&2; exit 69 ;;',
  '    *) echo "unsupported URL scheme: $u" >&2; exit 69 ;;',
  '  esac',
  '  r=${u#http://}; hp=${r%%/*}; p=${r#"$hp"}; p=${p:-/}',
  '  h=${hp%:*}; port=80; [ "$h" = "$hp" ] || port=${hp##*:}',
  '  home=${home:-$hp}',
  '  exec 3<>"/dev/tcp/$h/$port" || { echo "could not connect to $hp" >&2; exit 7; }',
  '  printf \'GET %s HTTP/1.0\\r\\nHost: %s\\r\\nUser-Agent: tsplay\\r\\nAccept: */*\\r\\n\' "$p" "$hp" >&3',
  '  if [ -n "$auth" ] && [ "$hp" = "$home" ]; then printf \'%s\\r\\n\' "$auth" >&3; fi',
  // ${a[@]+...}: an empty array is "unbound" under set -u in bash before 4.4 (EL7).
  '  for hd in ${hs[@]+"${hs[@]}"}; do printf \'%s\\r\\n\' "$hd" >&3; done',
  '  printf \'\\r\\n\' >&3',
  '  IFS= read -r st <&3 || { echo "empty reply from $hp" >&2; exit 52; }',
  '  st=${st%$\'\\r\'}; code=${st#* }; code=${code%% *}',
  '  loc= len=',
  '  while IFS= read -r l <&3; do',
  '    l=${l%$\'\\r\'}; [ -z "$l" ] && break',
  '    case $l in',
  '      [Ll][Oo][Cc][Aa][Tt][Ii][Oo][Nn]:*) loc=${l#*:}; loc=${loc# } ;;',
  '      [Cc][Oo][Nn][Tt][Ee][Nn][Tt]-[Ll][Ee][Nn][Gg][Tt][Hh]:*) len=${l#*:}; len=${len// /} ;;',
  '    esac',
  '  done',
  '  case $code in',
  '    2??)',
  '      cat <&3 > "$o" || exit 23; exec 3<&-',
  '      if [ -n "$len" ]; then got=$(wc -c < "$o"); [ "$got" -eq "$len" ] || { echo "transfer closed with $got of $len bytes" >&2; exit 18; }; fi',
  '      exit 0 ;;',
  '    301|302|303|307|308)',
  '      exec 3<&-; hops=$((hops + 1)); [ $hops -le 5 ] || { echo "too many redirects" >&2; exit 47; }',
  '      case $loc in /*) u="http://$hp$loc" ;; *) u=$loc ;; esac ;;',
  '    *) exec 3<&-; echo "The requested URL returned error: $st" >&2; exit 22 ;;',
  '  esac',
  'done',
].join('\n');

/** The local path of a `file://` URL (`file:///p`, `file://localhost/p`), or undefined. */
export function fileUrlPath(url: string): string | undefined {
  const m = /^file:\/\/(localhost)?(\/.*)$/i.exec(url);
  if (!m) return undefined;
  return decodeURIComponent(m[2]!);
}

/** A URL or a header the snippet cannot pass on safely; the message says which and why. */
export class FetchArgumentError extends Error {
  override name = 'FetchArgumentError';
}

// `scheme://userinfo@`: the last '@' before the path ends the userinfo, as browsers read it.
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)@/i;

/** The URL without its `user:password@` part (for command lines and messages), and the parts. */
export function splitCredentials(url: string): { url: string; user?: string; password?: string } {
  const m = USERINFO.exec(url);
  if (!m) return { url };
  const bare = m[1]! + url.slice(m[0].length);
  const colon = m[2]!.indexOf(':');
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new FetchArgumentError(`the user name or password in the URL ${bare} is not valid percent-encoding`);
    }
  };
  const user = decode(colon < 0 ? m[2]! : m[2]!.slice(0, colon));
  const password = colon < 0 ? undefined : decode(m[2]!.slice(colon + 1));
  if (/[\0\r\n]/.test(user + (password ?? ''))) throw new FetchArgumentError(`the user name or password in the URL ${bare} contains a line break or NUL`);
  // curl splits user:password at the first colon.
  if (user.includes(':')) throw new FetchArgumentError(`the user name in the URL ${bare} contains ':' (percent-encoded), which curl cannot pass`);
  return password === undefined ? { url: bare, user } : { url: bare, user, password };
}

/** The URL as it may be shown: a password replaced by `********`. */
export function redactUrl(url: string): string {
  const m = USERINFO.exec(url);
  if (!m || !m[2]!.includes(':')) return url;
  return `${m[1]}${m[2]!.slice(0, m[2]!.indexOf(':'))}:********@${url.slice(m[0].length)}`;
}

/** curl's config syntax: a double-quoted string with \\ and \" escaped. */
function curlString(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

interface Secrets {
  /** Config for `curl -K -`. */
  curl: string;
  /** wgetrc lines for `wget --config`. */
  wget: string;
  /** Lines for the bash fallback: the Authorization header (or empty), then the headers. */
  bash: string;
}

function secretsOf(user: string | undefined, password: string | undefined, headers: Record<string, string>): Secrets | undefined {
  const lines = Object.entries(headers).map(([k, v]) => {
    // A line break would end the config line and start another (any curl or wget option).
    if (/[\0\r\n:]/.test(k) || k.trim() === '') throw new FetchArgumentError(`header name ${JSON.stringify(k)} must be a non-empty word without ':', line breaks or NUL`);
    if (/[\0\r\n]/.test(v)) throw new FetchArgumentError(`the value of header ${k} must not contain line breaks or NUL`);
    return `${k}: ${v}`;
  });
  if (user === undefined && lines.length === 0) return undefined;
  const curl: string[] = [];
  const wget: string[] = [];
  if (user !== undefined) {
    curl.push(`user = ${curlString(`${user}:${password ?? ''}`)}`);
    // wgetrc values run to the end of the line (surrounding blanks are trimmed).
    wget.push(...(user ? [`user = ${user}`] : []), ...(password ? [`password = ${password}`] : []));
  }
  for (const l of lines) {
    curl.push(`header = ${curlString(l)}`);
    wget.push(`header = ${l}`);
  }
  const auth = user === undefined ? '' : `Authorization: Basic ${Buffer.from(`${user}:${password ?? ''}`).toString('base64')}`;
  return { curl: curl.join('\n'), wget: wget.join('\n'), bash: [auth, ...lines].join('\n') };
}

/** A shell snippet and the bytes it reads from its stdin (empty when it reads nothing). */
export interface FetchCommand {
  command: string;
  stdin: Buffer;
}

/** Shell that sets `name` to the next `size` bytes of stdin (dd's argv shows only the size). */
function readStdin(name: string, size: number): string {
  return size === 0 ? `${name}=` : `${name}=$(dd bs=${size} count=1 iflag=fullblock 2>/dev/null)`;
}

/**
 * A shell command that downloads `url` to `out` (quoted here). Throws FetchArgumentError
 * for a header or URL credentials that cannot be passed safely. Several commands may run in
 * one script: each reads exactly its own stdin bytes, in order.
 */
export function fetchCommand(url: string, out: string, o: FetchOptions): FetchCommand {
  const none = Buffer.alloc(0);
  const local = fileUrlPath(url);
  if (/^file:/i.test(url)) {
    if (!local) return { command: `{ echo ${quote(`unsupported file URL ${url}: use file:///absolute/path`)} >&2; exit 69; }`, stdin: none };
    return { command: `cp -- ${quote(local)} ${quote(out)}`, stdin: none };
  }
  const { url: bare, user, password } = splitCredentials(url);
  const secrets = secretsOf(user, password, o.headers ?? {});
  const insecure = o.validateCerts === false;
  const curl = ['curl', '-fsSL', '--max-time', String(o.timeout), '-o', out, ...(insecure ? ['-k'] : []), '--', bare];
  const wget = ['wget', '-q', '-T', String(o.timeout), '-O', out, ...(insecure ? ['--no-check-certificate'] : []), '--', bare];
  const bash = ['timeout', String(o.timeout), 'bash', '-c', BASH_HTTP_GET, 'tsplay-fetch', bare, out];
  if (!secrets) {
    const command = [
      `if command -v curl >/dev/null 2>&1; then ${quoteArgv(curl)}`,
      `elif command -v wget >/dev/null 2>&1; then ${quoteArgv(wget)}`,
      `elif command -v bash >/dev/null 2>&1 && command -v timeout >/dev/null 2>&1; then ${quoteArgv(bash)} </dev/null`,
      `else echo 'neither curl nor wget is installed on the host' >&2; exit ${FETCH_NO_TOOL}; fi`,
    ].join('; ');
    return { command, stdin: none };
  }
  const parts = [secrets.curl, secrets.wget, secrets.bash].map((text) => Buffer.from(text));
  const command = [
    `{ ${readStdin('_tsc', parts[0]!.length)}; ${readStdin('_tsw', parts[1]!.length)}; ${readStdin('_tsh', parts[2]!.length)}; }`,
    `if command -v curl >/dev/null 2>&1; then printf '%s\\n' "$_tsc" | curl -K - ${quoteArgv(curl.slice(1))}`,
    // The wgetrc file is unlinked before the secrets are written into it: they never have a
    // name on disk, and nothing is left behind if the download is killed. wget opens it
    // again through /dev/fd/3 (wget cannot read its config from a pipe).
    `elif command -v wget >/dev/null 2>&1; then ( umask 077; f=$(mktemp) || exit 97; exec 3<> "$f"; rm -f -- "$f"; printf '%s\\n' "$_tsw" >&3; exec wget --config=/dev/fd/3 ${quoteArgv(wget.slice(1))} )`,
    `elif command -v bash >/dev/null 2>&1 && command -v timeout >/dev/null 2>&1; then printf '%s\\n' "$_tsh" | ${quoteArgv(bash)}`,
    `else echo 'neither curl nor wget is installed on the host' >&2; exit ${FETCH_NO_TOOL}; fi`,
  ].join('; ');
  return { command, stdin: Buffer.concat(parts) };
}
