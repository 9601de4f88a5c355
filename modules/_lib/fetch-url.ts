/**
 * Download a URL ON THE TARGET into a file, with whatever the host has: curl, else wget,
 * else (plain http:// only) bash's /dev/tcp. `file://` URLs are copied with cp. Used by
 * `get_url` and by `yum` for package URLs. The returned snippet is one shell command; the
 * choice of tool happens in the remote shell (`command -v` is a builtin: no extra process).
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
 * Arguments: URL OUT [HEADER...]. Exit codes follow curl's (7 connect, 22 HTTP error).
 */
const BASH_HTTP_GET = [
  'set -u',
  'u=$1 o=$2; shift 2',
  'hops=0',
  'while :; do',
  '  case $u in',
  '    http://*) ;;',
  '    https://*) echo "https:// needs curl or wget on this host" >&2; exit 69 ;;',
  '    *) echo "unsupported URL scheme: $u" >&2; exit 69 ;;',
  '  esac',
  '  r=${u#http://}; hp=${r%%/*}; p=${r#"$hp"}; p=${p:-/}',
  '  h=${hp%:*}; port=80; [ "$h" = "$hp" ] || port=${hp##*:}',
  '  exec 3<>"/dev/tcp/$h/$port" || { echo "could not connect to $hp" >&2; exit 7; }',
  '  printf \'GET %s HTTP/1.0\\r\\nHost: %s\\r\\nUser-Agent: tsplay\\r\\nAccept: */*\\r\\n\' "$p" "$hp" >&3',
  '  for hd in "$@"; do printf \'%s\\r\\n\' "$hd" >&3; done',
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

/** A shell command that downloads `url` to `out` (an already quoted-safe path is not assumed: it is quoted here). */
export function fetchCommand(url: string, out: string, o: FetchOptions): string {
  const local = fileUrlPath(url);
  if (/^file:/i.test(url)) {
    if (!local) return `{ echo ${quote(`unsupported file URL ${url}: use file:///absolute/path`)} >&2; exit 69; }`;
    return `cp -- ${quote(local)} ${quote(out)}`;
  }
  const headers = Object.entries(o.headers ?? {}).map(([k, v]) => `${k}: ${v}`);
  const insecure = o.validateCerts === false;
  const curl = ['curl', '-fsSL', '--max-time', String(o.timeout), '-o', out, ...(insecure ? ['-k'] : []), ...headers.flatMap((h) => ['-H', h]), '--', url];
  const wget = ['wget', '-q', '-T', String(o.timeout), '-O', out, ...(insecure ? ['--no-check-certificate'] : []), ...headers.map((h) => `--header=${h}`), '--', url];
  const bash = ['timeout', String(o.timeout), 'bash', '-c', BASH_HTTP_GET, 'tsplay-fetch', url, out, ...headers];
  return [
    `if command -v curl >/dev/null 2>&1; then ${quoteArgv(curl)}`,
    `elif command -v wget >/dev/null 2>&1; then ${quoteArgv(wget)}`,
    `elif command -v bash >/dev/null 2>&1 && command -v timeout >/dev/null 2>&1; then ${quoteArgv(bash)}`,
    `else echo 'neither curl nor wget is installed on the host' >&2; exit ${FETCH_NO_TOOL}; fi`,
  ].join('; ');
}
