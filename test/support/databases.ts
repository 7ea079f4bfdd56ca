import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from './postgres.js';

/** A store backend that app-level suites run against, each with a database of its own. */
export interface TestBackend {
  name: string;
  available: boolean;
  create(): Promise<TestDatabase>;
}

export const BACKENDS: TestBackend[] = [
  {
    name: 'SQLite',
    available: true,
    create: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gateway-sqlite-'));
      return { url: `sqlite:${join(dir, 'gateway.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  { name: 'PostgreSQL', available: TEST_DATABASE_URL !== undefined, create: createTestDatabase },
];
