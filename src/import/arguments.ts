import { parseArgs } from 'node:util';
import type { ImportRequest } from './import-customers.js';

export const USAGE = 'usage: npm run import-customers -- FILE.csv [--store ID] [--verify] [--dry-run] [--concurrency N]';

/** Stripe retrievals in flight at once with --verify, unless --concurrency says otherwise. */
export const DEFAULT_VERIFY_CONCURRENCY = 10;
const MAX_VERIFY_CONCURRENCY = 100;

export class UsageError extends Error {
  override name = 'UsageError';
}

/** The command line, or a UsageError saying what is wrong with it. */
export function parseImportArguments(argv: string[]): ImportRequest {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        verify: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        concurrency: { type: 'string' },
        store: { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'no CSV file given' : 'one CSV file at a time');
  const concurrency = values.concurrency === undefined ? DEFAULT_VERIFY_CONCURRENCY : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_VERIFY_CONCURRENCY) {
    throw new UsageError(`--concurrency: expected a whole number from 1 to ${MAX_VERIFY_CONCURRENCY}`);
  }
  if (values.store !== undefined && values.store.trim() === '') throw new UsageError('--store: expected a store id');
  return { file: positionals[0] as string, verify: values.verify, dryRun: values['dry-run'], concurrency, store: values.store?.trim() };
}
