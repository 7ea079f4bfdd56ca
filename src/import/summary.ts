/** What an import did, or with --dry-run would do, row by row. */
export interface ImportSummary {
  imported: number;
  unchanged: number;
  conflicts: number;
  missing: number;
  invalid: number;
}

export const emptySummary = (): ImportSummary => ({ imported: 0, unchanged: 0, conflicts: 0, missing: 0, invalid: 0 });

/** The command's last line (contract, section 8). */
export function formatSummary({ imported, unchanged, conflicts, missing, invalid }: ImportSummary): string {
  return `imported ${imported}, unchanged ${unchanged}, conflicts ${conflicts}, missing ${missing}, invalid ${invalid}`;
}

/** Exit 0 only when every row was imported or already there. */
export function isClean(summary: ImportSummary): boolean {
  return summary.conflicts === 0 && summary.missing === 0 && summary.invalid === 0;
}
