import pg from 'pg';
import { parsePersistedEmulator } from '../emulator/index.js';
import type { EmulatorStateLocation } from './emulator-state-location.js';

const TABLE = 'stripe_emulator_state';
/** One row per emulated account; sandbox mode has one. */
const ROW_ID = 'default';

/**
 * The emulator's state as one row of the gateway's own PostgreSQL database: the Stripe objects
 * live and go with the customer mappings that name them. Sandbox mode only (never production),
 * so the table is created here rather than by the store's migrations.
 */
export async function openPostgresEmulatorState(
  databaseUrl: string,
  timeoutMs: number,
  { readOnly }: { readOnly: boolean },
): Promise<EmulatorStateLocation> {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 1,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    statement_timeout: timeoutMs,
    idleTimeoutMillis: 10_000,
  });
  // An idle connection that fails is dropped by the pool; the next save opens another.
  pool.on('error', () => {});
  try {
    if (!readOnly) await pool.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (id text PRIMARY KEY, state text NOT NULL, saved_at timestamptz NOT NULL)`);
  } catch (error) {
    // Two gateways creating the table at once: one of them loses the race for the catalog.
    if (!['23505', '42P07'].includes((error as { code?: string }).code ?? '')) {
      await pool.end();
      throw error;
    }
  }
  return {
    description: `table ${TABLE} of DATABASE_URL`,
    store: {
      load: async () => {
        let rows: Array<{ state: string }>;
        try {
          ({ rows } = await pool.query<{ state: string }>(`SELECT state FROM ${TABLE} WHERE id = $1`, [ROW_ID]));
        } catch (error) {
          if ((error as { code?: string }).code === '42P01') return undefined; // no table yet (read-only)
          throw error;
        }
        return rows[0] === undefined ? undefined : parsePersistedEmulator(rows[0].state, TABLE);
      },
      save: async (state) => {
        if (readOnly) return;
        await pool.query(
          `INSERT INTO ${TABLE} (id, state, saved_at) VALUES ($1, $2, now())
           ON CONFLICT (id) DO UPDATE SET state = excluded.state, saved_at = excluded.saved_at`,
          [ROW_ID, JSON.stringify(state)],
        );
      },
    },
    close: () => pool.end(),
  };
}
