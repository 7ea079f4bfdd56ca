import { setTimeout as sleep } from 'node:timers/promises';
import type { ChildMessage, CommandMessage, ProcessStats } from '../protocol.js';

export interface ServedProcess {
  url: string;
  close(): Promise<void>;
  /** Commands beyond the common ones (the emulator answers `stripe-calls`). */
  commands?: Record<string, () => unknown>;
}

/** Fine enough to catch a peak of a few hundred ms; one cheap read of /proc each time. */
const RSS_SAMPLE_INTERVAL_MS = 50;
/** V8 sweeps and returns pages to the OS just after a collection. */
const SETTLE_MS = 200;

/**
 * Runs one server under test in this child process and answers the orchestrator over IPC, so
 * RSS and CPU are this server's own and the load generator never shares its event loop.
 */
export async function serveOverIpc(start: () => Promise<ServedProcess>): Promise<void> {
  const send = process.send?.bind(process);
  if (!send) throw new Error('This is a benchmark child process: start it through bench/run.ts.');
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, RSS_SAMPLE_INTERVAL_MS);

  const served = await start();
  const stats = (): ProcessStats => {
    const { user, system } = process.cpuUsage();
    peak = Math.max(peak, process.memoryUsage.rss());
    return {
      rssBytes: process.memoryUsage.rss(),
      peakRssBytes: peak,
      heapUsedBytes: process.memoryUsage().heapUsed,
      cpuMicros: user + system,
    };
  };
  const commands: Record<string, () => unknown> = {
    stats,
    // After a full collection (when node runs with --expose-gc): what the process retains, not
    // how far its heap happened to grow since the last one. The leak check reads this.
    'settled-stats': async () => {
      (globalThis as { gc?: () => void }).gc?.();
      await sleep(SETTLE_MS);
      return stats();
    },
    'reset-peak': () => {
      peak = process.memoryUsage.rss();
    },
    stop: async () => {
      clearInterval(sampler);
      await served.close();
    },
    ...served.commands,
  };

  const reply = (message: ChildMessage, then?: () => void) => send(message, undefined, undefined, () => then?.());
  process.on('message', (message: CommandMessage) => {
    const command = commands[message.command];
    const after = message.command === 'stop' ? () => process.exit(0) : undefined;
    if (!command) {
      reply({ kind: 'reply', id: message.id, error: `unknown command ${message.command}` });
      return;
    }
    Promise.resolve()
      .then(command)
      .then(
        (result) => reply({ kind: 'reply', id: message.id, result }, after),
        (error: unknown) => reply({ kind: 'reply', id: message.id, error: String(error) }, after),
      );
  });
  // The orchestrator is gone (crashed, Ctrl-C): never linger as an orphan holding a port.
  process.on('disconnect', () => process.exit(0));
  reply({ kind: 'ready', url: served.url });
}
