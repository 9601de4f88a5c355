/**
 * Ansible's `command` expands `$VAR`, `${VAR}` and a leading `~` in every word, on the host
 * (module_utils' run_command: `os.path.expanduser(os.path.expandvars(word))`, the
 * `expand_argument_vars` of ansible-core 2.16). This file gives the same words without any
 * shell evaluation: the controller splits each word into literal text and variable
 * references (the pure part, unit-tested), and a short POSIX script on the host looks each
 * name up in the command's own environment with `printenv` (environment variables only,
 * as Python's os.environ) and the home directories with `getent passwd`. Values are only
 * ever assigned and quoted: nothing a variable holds is read as shell code, globbed or
 * split, and nothing but `$NAME`, `${NAME}` and a leading `~`/`~user` is expanded.
 */
import { quote } from '../../core/transport/shell-quote.js';

/** A piece of a word: literal text, or a variable reference with the text it replaces. */
export type WordPart = { text: string } | { name: string; raw: string };

// Python's posixpath._varprog: `\$(\w+|\{[^}]*\})` with re.ASCII (JavaScript's \w is ASCII).
const VAR_RE = /\$(\w+|\{[^}]*\})/g;

/**
 * The parts of `word` as Python's expandvars reads it. A reference that cannot be an
 * environment variable (`${}`, a name starting with '-' that printenv would take for an
 * option) stays literal text, as expandvars leaves an unknown variable.
 */
export function wordParts(word: string): WordPart[] {
  const parts: WordPart[] = [];
  let literal = '';
  let at = 0;
  for (const m of word.matchAll(VAR_RE)) {
    const raw = m[0];
    const name = m[1]!.startsWith('{') ? m[1]!.slice(1, -1) : m[1]!;
    literal += word.slice(at, m.index);
    at = m.index! + raw.length;
    if (name === '' || name.startsWith('-')) {
      literal += raw;
      continue;
    }
    if (literal) parts.push({ text: literal });
    literal = '';
    parts.push({ name, raw });
  }
  literal += word.slice(at);
  if (literal) parts.push({ text: literal });
  return parts;
}

/** Whether the host could change this word: it names a variable or starts with `~`. */
export function needsExpansion(word: string): boolean {
  return word.startsWith('~') || wordParts(word).some((p) => 'name' in p);
}

/**
 * Shell functions the script calls. `tsplay_v NAME RAW` appends the environment variable's
 * value to `tsplay_w`, or RAW when it is not set (printenv's newline is taken off; the `.`
 * keeps the value's own trailing newlines from command substitution). `tsplay_xu` is
 * Python's expanduser on `tsplay_w`: `~` is $HOME (else the passwd entry of the current
 * user), `~user` that user's home; an unknown user leaves the word as it is; the home's
 * trailing slashes go, and an empty result is `/`.
 */
const FUNCTIONS = [
  'tsplay_v() { if tsplay_x=$(printenv "$1" && printf .); then tsplay_x=${tsplay_x%.}; tsplay_w=$tsplay_w${tsplay_x%?}; else tsplay_w=$tsplay_w$2; fi; }',
  'tsplay_xu() {',
  "  case $tsplay_w in '~'*) ;; *) return 0 ;; esac",
  '  tsplay_r=${tsplay_w#?}; tsplay_u=${tsplay_r%%/*}; tsplay_t=${tsplay_r#"$tsplay_u"}',
  '  if [ -z "$tsplay_u" ] && tsplay_h=$(printenv HOME && printf .); then tsplay_h=${tsplay_h%.}; tsplay_h=${tsplay_h%?}',
  '  else',
  '    if [ -z "$tsplay_u" ]; then tsplay_e=$(getent passwd "$(id -u)") || return 0',
  '    else tsplay_e=$(getent passwd "$tsplay_u") || return 0; [ "${tsplay_e%%:*}" = "$tsplay_u" ] || return 0; fi',
  '    tsplay_h=${tsplay_e#*:*:*:*:*:}; tsplay_h=${tsplay_h%:*}',
  '  fi',
  '  while :; do case $tsplay_h in */) tsplay_h=${tsplay_h%/} ;; *) break ;; esac; done',
  '  tsplay_w=$tsplay_h$tsplay_t; [ -n "$tsplay_w" ] || tsplay_w=/',
  '}',
];

/**
 * Shell lines that set the positional parameters to `argv` with each word expanded as
 * Ansible's command does, ready for `exec "$@"`; null when no word can change (the caller
 * then execs the quoted words directly).
 */
export function expandArgvScript(argv: readonly string[]): string | null {
  if (!argv.some(needsExpansion)) return null;
  const lines = [...FUNCTIONS, 'set --'];
  for (const word of argv) {
    if (!needsExpansion(word)) {
      lines.push(`set -- "$@" ${quote(word)}`);
      continue;
    }
    const steps = ["tsplay_w=''"];
    for (const part of wordParts(word)) {
      steps.push('text' in part ? "tsplay_w=${tsplay_w}" + quote(part.text) : `tsplay_v ${quote(part.name)} ${quote(part.raw)}`);
    }
    steps.push('tsplay_xu', 'set -- "$@" "$tsplay_w"');
    lines.push(steps.join('; '));
  }
  return lines.join('\n');
}
