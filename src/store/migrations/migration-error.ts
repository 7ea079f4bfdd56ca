import { describeError, StartupError } from '../../core/startup-error.js';

/** A migration the database refused: the store is not opened, start-up stops naming the step. */
export class MigrationError extends StartupError {
  override name = 'MigrationError';
  constructor(step: string | undefined, cause: unknown) {
    super(`the database's migrations failed${step === undefined ? '' : ` at ${step}`}: ${describeError(cause)}`, { cause });
  }
}
