import {
  DEFAULT_EMULATOR_PUBLISHABLE_KEY,
  DEFAULT_EMULATOR_SECRET_KEY,
  startStripeEmulator,
  type EmulatorAccountOptions,
  type StripeEmulator,
} from '../emulator/index.js';
import { ConfigError } from '../config/config.js';
import { openEmulatorState } from './emulator-state.js';

export interface SandboxEmulator {
  emulator: StripeEmulator;
  /** Where its state is kept ('in memory' for `sqlite::memory:`). */
  stateDescription: string;
  /** The emulator, then where its state is kept. */
  close(): Promise<void>;
}

export interface SandboxEmulatorOptions {
  databaseUrl: string;
  databaseTimeoutMs: number;
  /** 127.0.0.1:port; 0: any free port. */
  port: number;
  onStateSaveError?: (error: unknown) => void;
  /** Reads the state, never creates nor writes it (an import's dry run). */
  readOnly?: boolean;
  /** The accounts (one per store with a stores file); default: one account with the default keys. */
  accounts?: EmulatorAccountOptions[];
}

/**
 * The built-in emulator with the state kept for this DATABASE_URL, its default keys, on
 * 127.0.0.1:port. A port it cannot have is a one-line ConfigError naming SANDBOX_EMULATOR_PORT;
 * a database that cannot keep its state, one naming DATABASE_URL.
 */
export async function startSandboxEmulator(options: SandboxEmulatorOptions): Promise<SandboxEmulator> {
  const location = await openEmulatorState(options.databaseUrl, options.databaseTimeoutMs, { readOnly: options.readOnly ?? false }).catch((error: unknown) => {
    throw new ConfigError('DATABASE_URL', `sandbox mode cannot keep the Stripe emulator's state there: ${messageOf(error)}`);
  });
  let emulator: StripeEmulator;
  try {
    emulator = await startStripeEmulator({
      ...(options.accounts
        ? { accounts: options.accounts }
        : { secretKeys: [DEFAULT_EMULATOR_SECRET_KEY], publishableKeys: [DEFAULT_EMULATOR_PUBLISHABLE_KEY] }),
      host: '127.0.0.1',
      port: options.port,
      ...(location && { stateStore: location.store }),
      ...(options.onStateSaveError && { onStateSaveError: options.onStateSaveError }),
    });
  } catch (error) {
    await location?.close().catch(() => {});
    throw startError(error, options.port, location?.description);
  }
  return {
    emulator,
    stateDescription: location?.description ?? 'in memory',
    close: async () => {
      try {
        await emulator.close();
      } finally {
        await location?.close();
      }
    },
  };
}

function startError(error: unknown, port: number, stateDescription: string | undefined): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return new ConfigError(
      'SANDBOX_EMULATOR_PORT',
      `127.0.0.1:${port} is in use (another sandbox gateway, or stripe-mock?); set SANDBOX_EMULATOR_PORT to a free port, or 0 for any`,
    );
  }
  if (code === 'EACCES') return new ConfigError('SANDBOX_EMULATOR_PORT', `127.0.0.1:${port} may not be opened by this user`);
  return new ConfigError('DATABASE_URL', `the Stripe emulator's state (${stateDescription ?? 'in memory'}) cannot be used: ${messageOf(error)}`);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
