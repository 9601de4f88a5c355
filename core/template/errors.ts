/**
 * Errors raised while templating or evaluating expressions. They carry what a user needs
 * to fix the playbook (the variable, the template text, where it was used) and no stack
 * trace worth showing: the executor prints `message` and adds the file:line:column.
 */

const MAX_TEMPLATE_IN_MESSAGE = 120;

function shorten(text: string): string {
  const oneLine = text.replace(/\s*\n\s*/g, ' ');
  return oneLine.length > MAX_TEMPLATE_IN_MESSAGE ? `${oneLine.slice(0, MAX_TEMPLATE_IN_MESSAGE - 1)}…` : oneLine;
}

export class TemplateError extends Error {
  override name = 'TemplateError';
  /** The undefined variable (full path such as `a.b.c`), when that is the cause. */
  readonly variable: string | undefined;
  /** The message without the context added by the callers. */
  readonly reason: string;
  /** Line of the template where it happened, when known. */
  line: number | undefined;
  private readonly contexts: string[] = [];

  constructor(reason: string, options: { variable?: string; cause?: unknown; line?: number } = {}) {
    super(reason, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.reason = reason;
    this.variable = options.variable;
    this.line = options.line;
  }

  /**
   * Say where the error happened. The first (innermost) call names the template text
   * (for a multi-line template with a known line: that line and its number); outer
   * calls (a variable used by a task) are appended as "via ...".
   */
  addContext(where: string | undefined, template?: string): this {
    const parts: string[] = [];
    if (template !== undefined && this.contexts.length === 0) {
      const lines = template.split('\n');
      const known = this.line !== undefined && lines.length > 1 && this.line <= lines.length;
      parts.push([where, known ? `line ${this.line}` : undefined].filter(Boolean).join(', '));
      parts.push(JSON.stringify(shorten(known ? lines[this.line! - 1]!.trim() : template)));
      if (!parts[0]) parts.shift();
    } else if (where) parts.push(where);
    if (!parts.length) return this;
    this.contexts.push(this.contexts.length === 0 ? `in ${parts.join(': ')}` : `via ${parts[0]}`);
    this.message = `${this.reason} (${this.contexts.join(', ')})`;
    return this;
  }
}

/**
 * Most items one template may produce by looping: the longest `range()`, and the total
 * number of `{% for %}` iterations in one render of a Jinja template.
 */
export const MAX_LOOP_ITERATIONS = 1_000_000;

/** JavaScript's own limits (RangeError), in the user's terms. */
export function engineLimitMessage(err: RangeError): string {
  if (/call stack/i.test(err.message)) return 'the template nests too deeply (brackets, expressions or blocks thousands of levels deep)';
  if (/string length/i.test(err.message)) return 'the result is too large (over 500 MB of text): do variables repeat each other, doubling at each step?';
  return `the template exceeds a limit: ${err.message}`;
}

/** A bare expression (`when:`, `{{ x | upper }}`) that does not parse. */
export class ExpressionSyntaxError extends TemplateError {
  override name = 'ExpressionSyntaxError';
  constructor(
    readonly detail: string,
    readonly expression: string,
    /** 1-based column in `expression`. */
    readonly column: number,
  ) {
    super(`${detail} at column ${column} in ${JSON.stringify(expression)}`);
  }
}
