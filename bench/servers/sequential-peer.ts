import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import express from 'express';
import Stripe from 'stripe';
import { listen } from '../../src/http/listen.js';
import { baselineEnv, callerOf, JSON_API, RefusedToken, SETUP_INTENTS_PATH, stripeVersionOf, type SetupIntentAnswer } from './baseline.js';
import { serveOverIpc } from './harness.js';

/**
 * The Spree-style peer: Express, the official SDK with its defaults, and Spree's three steps one
 * after another (spree_stripe's create_setup_intent.rb): fetch or create the customer (a
 * database row per user), then the ephemeral key, then the SetupIntent.
 */
await serveOverIpc(async () => {
  const env = baselineEnv();
  const stripe = new Stripe(env.secretKey, {
    host: env.apiBase.hostname,
    port: env.apiBase.port,
    protocol: env.apiBase.protocol === 'http:' ? 'http' : 'https',
  });
  const dir = mkdtempSync(join(tmpdir(), 'bench-peer-'));
  const db = new Database(join(dir, 'peer.sqlite'));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE users (id TEXT PRIMARY KEY, stripe_customer_id TEXT NOT NULL)');
  const findCustomer = db.prepare<[string], { stripe_customer_id: string }>('SELECT stripe_customer_id FROM users WHERE id = ?');
  const saveCustomer = db.prepare<[string, string]>('INSERT OR IGNORE INTO users (id, stripe_customer_id) VALUES (?, ?)');

  const app = express();
  app.post(SETUP_INTENTS_PATH, express.json({ type: ['application/json', JSON_API] }), async (req, res) => {
    let caller;
    try {
      caller = callerOf(req.get('authorization'), env);
    } catch (error) {
      if (!(error instanceof RefusedToken)) throw error;
      res.status(401).json({ error: error.message });
      return;
    }
    const user = caller.kind === 'user' ? caller.user : undefined;
    let customerId = user && findCustomer.get(user.sub)?.stripe_customer_id;
    if (!customerId) {
      const customer = await stripe.customers.create(
        user ? { email: user.email, name: user.name, metadata: { user_id: user.sub } } : {},
      );
      customerId = customer.id;
      if (user) saveCustomer.run(user.sub, customerId);
    }
    const ephemeralKey = await stripe.ephemeralKeys.create(
      { customer: customerId },
      { apiVersion: stripeVersionOf(req.body, env) },
    );
    const setupIntent = await stripe.setupIntents.create({
      customer: customerId,
      automatic_payment_methods: { enabled: true },
      ...(user && { metadata: { user_id: user.sub } }),
    });
    const answer: SetupIntentAnswer = {
      customer_id: customerId,
      ephemeral_key_secret: ephemeralKey.secret ?? '',
      setup_intent_client_secret: setupIntent.client_secret ?? '',
    };
    res.type(JSON_API).set('Cache-Control', 'no-store').send(JSON.stringify(answer));
  });
  const server = await listen(app, 0, '127.0.0.1');
  return {
    url: server.url,
    close: async () => {
      await server.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
