import type { EmulatorStateStore } from '../emulator/index.js';

/** Where a sandbox gateway's emulator keeps its state, and how to let go of it. */
export interface EmulatorStateLocation {
  store: EmulatorStateStore;
  /** For the log: the file, or the database table. */
  description: string;
  close(): Promise<void>;
}
