import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { listen } from '../../src/http/listen.js';
import { createLogger } from '../../src/http/logger.js';
import { benchStoreHost, benchStoreId } from '../protocol.js';
import { serveOverIpc } from './harness.js';

/**
 * The real gateway, as `npm start` builds it: the composition root, configured from the
 * environment the orchestrator hands this process, on a fresh SQLite file, or on the database
 * the orchestrator filled (BENCH_DATABASE_URL: the large store).
 */
await serveOverIpc(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-gateway-'));
  const databaseUrl = process.env.BENCH_DATABASE_URL || `sqlite:${join(dir, 'gateway.sqlite')}`;
  const storeCount = Number(process.env.BENCH_STORES ?? 0);
  // BENCH_STORES=N: a STORES_FILE of N stores on the emulator's one account, each with its host.
  const storesFile = storeCount > 0 ? join(dir, 'stores.json') : undefined;
  if (storesFile) {
    const stores = Array.from({ length: storeCount }, (_, index) => ({ id: benchStoreId(index), hosts: [benchStoreHost(index)] }));
    writeFileSync(storesFile, JSON.stringify({ stores }));
  }
  const config = loadConfig({ ...process.env, DATABASE_URL: databaseUrl, ...(storesFile && { STORES_FILE: storesFile }) });
  const app = await buildApp(config, createLogger(config.logLevel));
  const server = await listen(app.handler, 0, '127.0.0.1');
  return {
    url: server.url,
    close: async () => {
      await server.close();
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
