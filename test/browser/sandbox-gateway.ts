import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { listen } from '../../src/http/listen.js';
import { enterSandboxMode } from '../../src/sandbox.js';

/** What `npm start` runs with no STRIPE_SECRET_KEY: sandbox mode, on 127.0.0.1 and a free port. */
export async function startSandboxGateway(env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-sandbox-'));
  const logger = pino({ level: 'silent' });
  const sandbox = await enterSandboxMode(loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'gateway.sqlite')}`, SANDBOX_EMULATOR_PORT: '0', ...env }), logger);
  const app = await buildApp(sandbox.config, logger, { emulator: sandbox.emulator });
  const server = await listen(app.handler, 0, '127.0.0.1');
  sandbox.listening(server.url);
  return {
    url: server.url,
    emulator: sandbox.emulator!,
    close: async () => {
      await server.close();
      await app.close();
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type SandboxGateway = Awaited<ReturnType<typeof startSandboxGateway>>;
