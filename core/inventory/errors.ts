/**
 * Errors in inventory sources and host patterns. They are meant for the user: the
 * message names the place (file:line:column when known) and what to do; callers print
 * `error.message` and never the stack.
 */
export interface InventoryErrorPlace {
  file?: string;
  line?: number; // 1-based
  column?: number; // 1-based
}

export class InventoryError extends Error {
  override name = 'InventoryError';
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  /** The message without the `file:line:column: ` prefix. */
  readonly reason: string;

  constructor(reason: string, place: InventoryErrorPlace = {}) {
    super(prefix(place) + reason);
    this.reason = reason;
    this.file = place.file;
    this.line = place.line;
    this.column = place.column;
  }
}

function prefix(place: InventoryErrorPlace): string {
  if (!place.file) return '';
  let at = place.file;
  if (place.line !== undefined) {
    at += `:${place.line}`;
    if (place.column !== undefined) at += `:${place.column}`;
  }
  return `${at}: `;
}
