import type Stripe from 'stripe';
import { importOutcome, type CustomerMapping, type CustomerStore, type ImportResult } from '../store/customer-store.js';
import { readCsvRows } from './csv-rows.js';
import { ImportError } from './import-error.js';
import type { ImportReport } from './report.js';
import { emptySummary, type ImportSummary } from './summary.js';
import { checkRow } from './validate-row.js';
import { retrieveCustomerStandings, type CustomerStanding } from './verify-customers.js';

/** Rows per write: each batch is one transaction. */
export const IMPORT_BATCH_SIZE = 1_000;

export interface ImportRequest {
  file: string;
  /** Retrieve every customer from Stripe first; those that do not exist are not imported. */
  verify: boolean;
  /** Write nothing; count what an import would do. */
  dryRun: boolean;
  /** Stripe retrievals in flight at once with `verify`. */
  concurrency: number;
  /** `--store ID`: the store whose account the customers belong to (required with several stores). */
  store?: string | undefined;
}

export interface ImportServices {
  /** The Stripe account scope the gateway stores this key's mappings under. */
  accountScope: string;
  stripe: Stripe;
  store: Pick<CustomerStore, 'importCustomers' | 'findCustomers' | 'findCustomerOwners'>;
  report: ImportReport;
}

interface FileRow extends CustomerMapping {
  line: number;
}

/**
 * Imports a CSV file of user → Stripe customer mappings in three steps:
 * 1. read the whole file and check every row (a row that cannot be imported is `invalid`; one
 *    giving a customer an earlier row gave another user is a `conflict`);
 * 2. with `verify`, retrieve each customer from Stripe (one that does not exist is `missing`, one
 *    whose metadata.user_id names another user a `conflict`);
 * 3. only then write, in batches of IMPORT_BATCH_SIZE rows, each one transaction, in file order
 *    (a mapping already stored is `unchanged`; a user mapped to another customer, or a customer
 *    mapped to another user, a `conflict`: one customer is never shared by two users).
 * So a file that cannot be read, or a Stripe that cannot be asked, writes nothing at all.
 */
export async function importCustomers(request: ImportRequest, services: ImportServices): Promise<ImportSummary> {
  const summary = emptySummary();
  const rows = await readRows(request.file, services.report, summary);
  const standings = request.verify ? await verifyCustomers(rows, request.concurrency, services) : new Map<string, CustomerStanding>();

  const present = rows.filter((row) => {
    const standing = standings.get(row.customerId);
    if (standing === undefined) return true;
    if (!standing.exists) {
      summary.missing++;
      services.report.row(row.line, 'missing', `customer ${row.customerId} does not exist in Stripe for this key (or was deleted)`);
      return false;
    }
    if (standing.metadataUserId === undefined || standing.metadataUserId === row.userId) return true;
    summary.conflicts++;
    services.report.row(
      row.line,
      'conflict',
      `customer ${row.customerId} is user ${JSON.stringify(standing.metadataUserId)}'s in Stripe (metadata.user_id), not ${JSON.stringify(row.userId)}'s`,
    );
    return false;
  });
  const write = request.dryRun ? previewWrites(services) : (batch: FileRow[]) => services.store.importCustomers(services.accountScope, batch);
  services.report.phase(request.dryRun ? 'comparing' : 'writing', 'rows', present.length);
  for (let start = 0; start < present.length; start += IMPORT_BATCH_SIZE) {
    const batch = present.slice(start, start + IMPORT_BATCH_SIZE);
    let results: ImportResult[];
    try {
      results = await write(batch);
    } catch (error) {
      if (request.dryRun) throw new ImportError(`the database failed: ${describeFailure(error)}`, { cause: error });
      throw new ImportError(
        `the database failed after ${start} of ${present.length} rows were written (whole batches only): ` +
          `${describeFailure(error)}; running the import again finishes it, the rows already written count as unchanged`,
        { cause: error },
      );
    }
    for (const [index, row] of batch.entries()) count(row, results[index] as ImportResult, summary, services.report);
    services.report.advance(batch.length);
  }
  return summary;
}

async function readRows(file: string, report: ImportReport, summary: ImportSummary): Promise<FileRow[]> {
  const rows: FileRow[] = [];
  // A customer given to two users would show each the other's saved cards.
  const customerOwners = new Map<string, { userId: string; line: number }>();
  report.phase('reading', 'rows');
  for await (const csvRow of readCsvRows(file)) {
    report.advance(1);
    const { mapping, problem } = checkRow(csvRow);
    if (!mapping) {
      summary.invalid++;
      report.row(csvRow.line, 'invalid', problem);
      continue;
    }
    const owner = customerOwners.get(mapping.customerId);
    if (owner === undefined) customerOwners.set(mapping.customerId, { userId: mapping.userId, line: csvRow.line });
    else if (owner.userId !== mapping.userId) {
      summary.conflicts++;
      report.row(csvRow.line, 'conflict', `customer ${mapping.customerId} is given to user ${JSON.stringify(owner.userId)} on line ${owner.line} already`);
      continue;
    }
    rows.push({ line: csvRow.line, ...mapping });
  }
  return rows;
}

async function verifyCustomers(rows: FileRow[], concurrency: number, services: ImportServices): Promise<Map<string, CustomerStanding>> {
  const customerIds = [...new Set(rows.map((row) => row.customerId))];
  services.report.phase('verifying', 'customers', customerIds.length);
  return retrieveCustomerStandings(services.stripe, customerIds, { concurrency, onChecked: () => services.report.advance(1) });
}

/** What importCustomers would answer, from reads only; rows it would write count for later rows. */
function previewWrites({ store, accountScope }: ImportServices): (batch: FileRow[]) => Promise<ImportResult[]> {
  const wouldWrite = new Map<string, string>();
  const wouldOwn = new Map<string, string>();
  return async (batch) => {
    const stored = await store.findCustomers(accountScope, batch.map((row) => row.userId).filter((userId) => !wouldWrite.has(userId)));
    const owners = await store.findCustomerOwners(accountScope, batch.map((row) => row.customerId).filter((id) => !wouldOwn.has(id)));
    return batch.map((row): ImportResult => {
      const userCustomer = wouldWrite.get(row.userId) ?? stored.get(row.userId);
      const owner = wouldOwn.get(row.customerId) ?? owners.get(row.customerId);
      if (userCustomer === undefined && owner !== undefined && owner !== row.userId) return { outcome: 'taken', ownerUserId: owner };
      const result = importOutcome(row, userCustomer);
      if (result.outcome === 'imported') {
        wouldWrite.set(row.userId, row.customerId);
        wouldOwn.set(row.customerId, row.userId);
      }
      return result;
    });
  };
}

function count(row: FileRow, result: ImportResult, summary: ImportSummary, report: ImportReport): void {
  if (result.outcome === 'imported') summary.imported++;
  else if (result.outcome === 'unchanged') summary.unchanged++;
  else {
    summary.conflicts++;
    report.row(
      row.line,
      'conflict',
      result.outcome === 'taken'
        ? `customer ${row.customerId} belongs to user ${JSON.stringify(result.ownerUserId)}, not ${JSON.stringify(row.userId)}`
        : `user ${JSON.stringify(row.userId)} keeps customer ${result.customerId}, not ${row.customerId}`,
    );
  }
}

/** The store's own message, and what it wraps (StoreUnavailableError says only "cannot answer"). */
function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
  return cause && cause !== message ? `${message} (${cause})` : message;
}
