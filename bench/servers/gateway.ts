import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { listen } from '../../src/http/listen.js';
import { createLogger } from '../../src/http/logger.js';
import { serveOverIpc } from './harness.js';

/**
 * The real gateway, as `npm start` builds it: the composition root, configured from the
 * environment the orchestrator hands this process, on a fresh SQLite file, or on the database
 * the orchestrator filled (BENCH_DATABASE_URL: the large store).
 */
await serveOverIpc(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-gateway-'));
  const databaseUrl = process.env.BENCH_DATABASE_URL || `sqlite:${join(dir, 'gateway.sqlite')}`;
  const config = loadConfig({ ...process.env, DATABASE_URL: databaseUrl });
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
