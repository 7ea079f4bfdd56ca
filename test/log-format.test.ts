import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_EMULATOR_SECRET_KEY, startStripeEmulator, type StripeEmulator } from '../src/emulator/index.js';
import { logDestination } from '../src/http/log-format.js';
import { createLogger } from '../src/http/logger.js';
import { callRest, tokenFor } from './support/clients.js';
import { TEST_JWT_SECRET } from './support/gateway.js';
import { runGatewayProcess, stopChild } from './support/process.js';

const ROOT = new URL('..', import.meta.url).pathname;
const PRETTY_LINE = /^\[\d\d:\d\d:\d\d\.\d{3}\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL): /;
// eslint-disable-next-line no-control-regex
const COLOUR = /\u001b\[\d+(;\d+)*m/g;

/** Collects what a child writes to stdout, as lines, until `done` accepts one (or the child ends). */
function linesUntil(child: ChildProcessWithoutNullStreams, done: (line: string) => boolean): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    let partial = '';
    child.stdout.on('data', (chunk) => {
      const parts = (partial + String(chunk)).split(/\r?\n/);
      partial = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (done(line.replace(COLOUR, ''))) resolve(lines);
      }
    });
    child.on('close', (code) => reject(new Error(`exited with ${code} before the expected line:\n${lines.join('\n')}${partial}`)));
  });
}

/**
 * The gateway with its stdout on a real pseudo-terminal, as a developer runs `npm start`:
 * util-linux `script` gives the command a terminal and copies what it writes to our pipe.
 */
function gatewayInTerminal(env: Record<string, string>): ChildProcessWithoutNullStreams {
  return spawn('script', ['-qefc', `exec "${process.execPath}" --import tsx src/main.ts`, '/dev/null'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', TERM: 'xterm-256color', SHELL: '/bin/sh', ...env },
  });
}

describe('log format: pretty for a developer’s terminal, JSON for machines', () => {
  let emulator: StripeEmulator;
  const dir = mkdtempSync(join(tmpdir(), 'gateway-log-format-'));
  const children: ChildProcessWithoutNullStreams[] = [];
  beforeAll(async () => {
    emulator = await startStripeEmulator();
  });
  afterAll(async () => {
    await Promise.all(children.map((child) => stopChild(child)));
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const gatewayEnv = (name: string, env: Record<string, string> = {}) => ({
    PORT: '0',
    HOST: '127.0.0.1',
    STRIPE_SECRET_KEY: DEFAULT_EMULATOR_SECRET_KEY,
    STRIPE_API_BASE: emulator.url,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    DATABASE_URL: `sqlite:${join(dir, `${name}.sqlite`)}`,
    ...env,
  });
  const listening = (line: string) => /listening/.test(line);
  const inTerminal = (name: string, env?: Record<string, string>) => {
    const child = gatewayInTerminal(gatewayEnv(name, env));
    children.push(child);
    return linesUntil(child, listening);
  };

  it('on a terminal: one human-readable line per event, in colour', { timeout: 30_000 }, async () => {
    const lines = await inTerminal('tty');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.replace(COLOUR, '')).toMatch(PRETTY_LINE);
    expect(lines.some((line) => COLOUR.test(line))).toBe(true);
    expect(lines.at(-1)!.replace(COLOUR, '')).toMatch(/INFO: listening; GraphiQL at http:\/\/127\.0\.0\.1:\d+\/graphql/);
  });

  it('on a terminal with LOG_FORMAT=json, or in production: JSON lines', { timeout: 30_000 }, async () => {
    for (const [name, env] of [
      ['tty-json', { LOG_FORMAT: 'json' }],
      ['tty-production', { NODE_ENV: 'production' }],
    ] as const) {
      const lines = await inTerminal(name, env);
      for (const line of lines) expect(() => JSON.parse(line), `${name}: ${line}`).not.toThrow();
    }
  });

  it('piped: JSON lines; LOG_FORMAT=pretty: pretty without colour, every secret still redacted', { timeout: 40_000 }, async () => {
    const piped = runGatewayProcess(emulator.url, dir, { DATABASE_URL: `sqlite:${join(dir, 'piped.sqlite')}` });
    children.push(piped);
    for (const line of await linesUntil(piped, listening)) expect(() => JSON.parse(line), line).not.toThrow();

    const pretty = runGatewayProcess(emulator.url, dir, {
      DATABASE_URL: `sqlite:${join(dir, 'pretty.sqlite')}`,
      LOG_FORMAT: 'pretty',
      LOG_LEVEL: 'trace',
    });
    children.push(pretty);
    const lines = await linesUntil(pretty, listening);
    const url = /listening; GraphiQL at (http:\/\/127\.0\.0\.1:\d+)\/graphql/.exec(lines.at(-1)!)?.[1];
    expect(url, lines.join('\n')).toBeDefined();
    const token = await tokenFor({ sub: 'pretty_user' });
    const answered = linesUntil(pretty, (line) => line.includes('request finished'));
    const { status, body } = await callRest(url!, { token });
    expect(status).toBe(200);
    const all = [...lines, ...(await answered)];
    for (const line of all) expect(line).toMatch(PRETTY_LINE);
    expect(all.join('\n')).not.toMatch(COLOUR);
    expect(all.at(-1)).toMatch(/INFO: request finished .*"method":"POST".*"status":200/);
    const text = all.join('\n');
    for (const secret of [token, DEFAULT_EMULATOR_SECRET_KEY, TEST_JWT_SECRET, body.ephemeral_key_secret, body.setup_intent_client_secret]) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('a pretty line', () => {
  it('holds an error in one line (type, message, where it was thrown) and redacts as JSON does', async () => {
    let text = '';
    const stream = new Writable({
      write(chunk, _encoding, done) {
        text += String(chunk);
        done();
      },
    });
    const destination = await logDestination('pretty', { production: false, terminal: false, colour: false, stream });
    const logger = createLogger('info', destination);
    logger.error({ err: new TypeError('it broke\non two lines') }, 'unexpected error');
    logger.info({ req: { headers: { authorization: 'Bearer tok_visible' } }, stripe: { secretKey: 'sk_test_visible0123' } }, 'configured');
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(PRETTY_LINE);
    expect(lines[0]).toMatch(/ERROR: unexpected error: TypeError: it broke on two lines \(at \S*test\/log-format\.test\.ts:\d+:\d+\)$/);
    expect(lines[1]).toMatch(/INFO: configured .*\[redacted\].*\[redacted\]/);
    expect(text).not.toMatch(/tok_visible|sk_test_visible/);
  });
});
