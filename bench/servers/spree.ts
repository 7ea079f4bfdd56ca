import { startSpreeStandIn } from '../../test/support/spree-stand-in.js';
import { serveOverIpc } from './harness.js';

/**
 * A Spree store's account endpoint (the tests' stand-in, test/support/spree-stand-in.ts) in a
 * process of its own, answering after a fixed latency as a real store across a network would.
 * `issue-tokens` signs in the bench's shoppers: one opaque Doorkeeper access token each.
 */
await serveOverIpc(async () => {
  const latencyMs = Number(process.env.BENCH_SPREE_LATENCY_MS ?? 0);
  const users = Number(process.env.BENCH_SPREE_USERS ?? 0);
  const spree = await startSpreeStandIn();
  if (latencyMs > 0) spree.setMode('slow', latencyMs);
  const tokens = Array.from({ length: users }, (_, i) =>
    spree.signIn({ id: 1001 + i, email: `spree_${i}@bench.example`, firstName: 'Bench', lastName: 'Shopper' }),
  );
  return {
    url: spree.url,
    close: () => spree.close(),
    commands: {
      tokens: () => tokens,
      'account-calls': () => spree.calls.account,
    },
  };
});
