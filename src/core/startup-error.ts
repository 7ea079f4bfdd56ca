/**
 * Start-up stopped by something the operator can fix: a database that cannot be reached, opened
 * or migrated, a port in use. The entry point prints the message as one line and exits 1; the
 * message says what and where (never a password), the cause stays attached for a debugger.
 */
export class StartupError extends Error {
  override name = 'StartupError';
}

/**
 * An error's own words, on one line. Node's connect errors can be an AggregateError (one per
 * address tried) whose message is empty, or carry only a `code`.
 */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return [...new Set(error.errors.map(describeError))].join('; ');
  }
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return oneLine(error.message || code || error.name);
  }
  return oneLine(String(error));
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
