import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config/config.js';
import { StartupError } from './core/startup-error.js';
import { listen } from './http/listen.js';
import { logDestination } from './http/log-format.js';
import { createLogger } from './http/logger.js';
import { enterSandboxMode } from './sandbox.js';
import { shutdownTracing } from './tracing/flush.js';

/** Of SHUTDOWN_GRACE_MS, what closing the store and the sandbox emulator may take after the drain. */
const CLOSE_RESERVE_MS = 1_000;

/** The entry point: config from the environment, then listen until SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig();
  // Libraries (Express among them) compare NODE_ENV exactly: `Production` must mean production to them too.
  if (config.production) process.env.NODE_ENV = 'production';
  const logger = createLogger(
    config.logLevel,
    await logDestination(config.logFormat, {
      production: config.production,
      terminal: process.stdout.isTTY === true,
      colour: process.env.NO_COLOR === undefined,
    }),
  );
  const sandbox = config.sandboxStripe === undefined ? undefined : await enterSandboxMode(config, logger);
  const app = await buildApp(sandbox?.config ?? config, logger, { emulator: sandbox?.emulator });
  const server = await listen(app.handler, config.port, config.host, config.http, {
    connectionRefused: () => app.services.metrics.connectionRefused(),
  });
  sandbox?.listening(server.url);
  logger.info(
    { url: server.url, graphql: `${server.url}/graphql`, rest: `${server.url}/api/v2/storefront/stripe/setup_intents` },
    config.graphiql ? `listening; GraphiQL at ${server.url}/graphql` : 'listening',
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const { shutdownGraceMs } = config;
    logger.info({ signal, shutdownGraceMs }, 'draining in-flight requests');
    // Whatever still holds the process at the end of the grace (a dependency that does not
    // answer while closing) is abandoned: the process exits 0 within SHUTDOWN_GRACE_MS.
    setTimeout(() => {
      logger.warn({ shutdownGraceMs }, 'shutdown grace expired; exiting');
      process.exit(0);
    }, shutdownGraceMs).unref();
    // Requests get the grace but a moment kept for closing the store after them.
    await server.close(shutdownGraceMs - Math.min(CLOSE_RESERVE_MS, Math.floor(shutdownGraceMs / 4)));
    await app.close();
    await sandbox?.close();
    await shutdownTracing(); // the spans still batched
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  // Invalid configuration, or what the operator can fix (a database, a port), is one clear line,
  // never a half-started gateway; anything else is a defect and keeps its stack.
  if (error instanceof ConfigError) {
    console.error(`stripe-setup-gateway: invalid configuration: ${error.message}`);
  } else if (error instanceof StartupError) {
    console.error(`stripe-setup-gateway: cannot start: ${error.message}`);
  } else {
    console.error('stripe-setup-gateway: failed to start:', error);
  }
  process.exit(1);
});
