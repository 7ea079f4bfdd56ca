import { setMaxListeners } from 'node:events';
import { startStripeEmulator } from '../../src/emulator/index.js';
import type { StripeCallCounts } from '../protocol.js';
import { serveOverIpc } from './harness.js';

/** The project's Stripe emulator in a process of its own, with a fixed latency per Stripe call. */
await serveOverIpc(async () => {
  // Each delayed answer listens on the emulator's one close signal: 64 connections' worth is expected.
  setMaxListeners(0);
  const latencyMs = Number(process.env.BENCH_EMULATOR_LATENCY_MS ?? 0);
  const emulator = await startStripeEmulator({ latencyMs });
  return {
    url: emulator.url,
    close: () => emulator.close(),
    commands: {
      'stripe-calls': (): StripeCallCounts => {
        const requests = emulator.requests();
        emulator.resetRequests();
        const byRoute: Record<string, number> = {};
        let failed = 0;
        for (const { method, path, status } of requests) {
          const route = `${method} ${path}`;
          byRoute[route] = (byRoute[route] ?? 0) + 1;
          // 0: not answered yet (still in its latency), which is no failure.
          if (status !== 200 && status !== 0) failed += 1;
        }
        return { byRoute, failed };
      },
    },
  };
});
