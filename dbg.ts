import { pino } from 'pino';
import { buildApp } from '/work/main/src/app.js';
import { loadConfig } from '/work/main/src/config/config.js';
import { startStripeEmulator, DEFAULT_EMULATOR_SECRET_KEY } from '/work/main/src/emulator/index.js';
import { listen } from '/work/main/src/http/listen.js';
const em = await startStripeEmulator();
const app = await buildApp(loadConfig({ STRIPE_SECRET_KEY: DEFAULT_EMULATOR_SECRET_KEY, STRIPE_API_BASE: em.url, DATABASE_URL: 'sqlite:/tmp/dbg.sqlite' }), pino({ level: 'debug' }));
const s = await listen(app.handler, 0, '127.0.0.1');
const ctl = new AbortController(); setTimeout(() => ctl.abort(), 3000);
try {
  const r = await fetch(`${s.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ viewer { signedIn } }' }), signal: ctl.signal });
  console.log(r.status, await r.text());
} catch (e) { console.log('ERR', e); }
await s.close(); await app.close(); await em.close();
