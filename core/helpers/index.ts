/**
 * `tsplay/helpers`: the parts the built-in modules are made of, as a public, versioned API
 * for module authors (docs/writing-modules.md, "Helpers"). The built-ins use these same
 * functions (there is no second copy), so a custom module edits files exactly as
 * `ini_set`, `lineinfile`, `blockinfile` and `template` do.
 *
 * Versioning: this entry point follows tsplay's semver. A minor version may add functions
 * and optional options; renaming or removing anything, or changing what a function returns,
 * needs a major version. `HELPERS_API_VERSION` is the major version of this API, for a module
 * package that wants to check what it runs against. Everything not exported here (modules/_lib)
 * is private and may change in any release.
 */

/** Major version of the `tsplay/helpers` API (see the versioning note above). */
export const HELPERS_API_VERSION = 1;

// The INI editor behind ini_set: parse, edit, render; untouched lines stay byte for byte.
export {
  applyIniEdits,
  DEFAULT_EDIT_OPTIONS as DEFAULT_INI_EDIT_OPTIONS,
  editIniText,
  findSection,
  getValues as getIniValues,
  parseIni,
  renderIni,
  type IniDocument,
  type IniEdit,
  type IniEditOptions,
  type IniEditResult,
  type IniLine,
  type IniLineKind,
} from '../../modules/_lib/ini.js';

// Byte-preserving line editing (lineinfile, blockinfile).
export { ensureBlock, ensureLine, removeLines, RegexError, type EnsureBlockOptions, type EnsureLineOptions, type LineEdit } from './line-editing.js';
export { splitLinesKeepingEol, type Eol, type RawLine } from '../../modules/_lib/lines.js';

// --diff entries as the output shows them.
export { contentDiff, MAX_DIFF_BYTES, stateDiff } from '../../modules/_lib/diff.js';

// Files on the host: edit in place, or install content; atomic, with mode/owner/group/backup.
export {
  editFile,
  installFile,
  readFileForEdit,
  writeEditedFile,
  type FileAttributes,
  type FileForEdit,
  type InstallFileOptions,
  type WriteOptions,
} from './files.js';

// Several steps, or modules run with ctx.call, as one task result.
export { mergeResults } from './results.js';
