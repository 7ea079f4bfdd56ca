import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { docExamples, outputPattern, type DocExample } from './support/doc-examples.js';
import { runTs, stopChild, waitForLog } from './support/process.js';

const ROOT = new URL('..', import.meta.url).pathname;
/** README.md and every page of docs/; DOCS_TEST_FILES=docs/api.md narrows it while writing one. */
const FILES = process.env.DOCS_TEST_FILES?.split(',') ?? [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];
const DOCS_ADDRESS = /(?:http:\/\/)?localhost:4000/g;

/** A sandbox gateway as `npm start` runs it with nothing set: its own SQLite file and emulator state, any free ports. */
async function startSandbox() {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-docs-'));
  const child = runTs('src/main.ts', [], {
    PORT: '0',
    HOST: '127.0.0.1',
    SANDBOX_EMULATOR_PORT: '0',
    LOG_FORMAT: 'json',
    DATABASE_URL: `sqlite:${join(dir, 'gateway.sqlite')}`,
  });
  child.stderr.resume();
  const listening = await waitForLog(child, (line) => String(line.msg).startsWith('listening'));
  return {
    url: String(listening.url),
    close: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Ran {
  example: DocExample;
  stdout: string;
  status: number | undefined;
}

/**
 * A file's examples in order, in one bash (variables carry over), as a reader pastes them:
 * `set -e` so a failing command stops there, each example's output cut out between markers.
 */
async function runExamples(examples: DocExample[], gatewayUrl: string): Promise<{ ran: Ran[]; stderr: string }> {
  const marker = `@@docs-${process.pid}@@`;
  const script = ['set -eo pipefail']
    .concat(
      examples.map(
        (example, index) =>
          `printf '%s\\n' '${marker} start ${index}'\n${example.script.replace(DOCS_ADDRESS, gatewayUrl)}\nprintf '\\n%s\\n' "${marker} end ${index} $?"`,
      ),
    )
    .join('\n');
  const bash = spawn('bash', ['--norc', '--noprofile', '-c', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? ROOT, LANG: 'C.UTF-8' },
  });
  let stdout = '';
  let stderr = '';
  bash.stdout.on('data', (chunk) => (stdout += chunk));
  bash.stderr.on('data', (chunk) => (stderr += chunk));
  await new Promise((resolve) => bash.on('close', resolve));
  const ran = examples.map((example, index) => {
    const start = stdout.indexOf(`${marker} start ${index}\n`);
    const end = new RegExp(`\\n${marker} end ${index} (\\d+)\\n`).exec(stdout);
    if (start === -1) return { example, stdout: '', status: undefined };
    const from = start + `${marker} start ${index}\n`.length;
    const to = end ? end.index : stdout.length;
    return { example, stdout: stdout.slice(from, to), status: end ? Number(end[1]) : undefined };
  });
  return { ran, stderr };
}

let examplesRun = 0;

describe('every runnable example of the docs runs as written against a sandbox gateway', () => {
  afterAll(() => {
    console.info(`docs: ${examplesRun} runnable examples ran`);
  });

  it('has what the examples call: bash and curl (node runs the test itself)', () => {
    for (const command of ['bash', 'curl']) {
      expect(spawnSync(command, ['--version']).status, `${command} must be installed to run the docs' examples`).toBe(0);
    }
  });

  it.skipIf(process.env.DOCS_TEST_FILES)('finds runnable examples in the README and the docs', () => {
    const counts = Object.fromEntries(FILES.map((file) => [file, docExamples(readFileSync(join(ROOT, file), 'utf8'), file).length]));
    expect(counts['README.md'] ?? 1).toBeGreaterThan(0);
    expect(Object.values(counts).reduce((sum, n) => sum + n, 0)).toBeGreaterThan(5);
  });

  for (const file of FILES) {
    const examples = docExamples(readFileSync(join(ROOT, file), 'utf8'), file);
    if (examples.length === 0) continue;
    it(`${file}: ${examples.length} examples`, { timeout: 120_000 }, async () => {
      const gateway = await startSandbox();
      try {
        const { ran, stderr } = await runExamples(examples, gateway.url);
        for (const { example, stdout, status } of ran) {
          const where = `${file}:${example.line}`;
          expect(status, `${where} did not finish (exit status of bash: see stderr)\n${stderr}\n${example.script}`).toBe(0);
          examplesRun += 1;
          if (example.output === undefined) continue;
          const shown = example.output.trim();
          const got = stdout.replace(/\r\n/g, '\n').trim(); // HTTP headers end in CRLF; a terminal shows them alike
          if (!outputPattern(shown).test(got)) {
            // The diff a reader can act on: what the docs show against what the example printed.
            expect(got, `${where}: the output differs from the one the docs show`).toBe(shown);
          }
        }
      } finally {
        await gateway.close();
      }
    });
  }
});

describe('how the doc test reads the docs', () => {
  it('compares outputs by shape: ids, secrets and times vary, names and structure do not', () => {
    const shown = '{"customerId":"cus_3TZyDnoqdZdNG1","setupIntentClientSecret":"seti_XQ_secret_IH","expiresAt":"2026-12-08T01:44:28.000Z"}';
    expect(outputPattern(shown).test('{"customerId":"cus_Q","setupIntentClientSecret":"seti_Z9_secret_k2","expiresAt":"2027-01-01T00:00:00.000Z"}')).toBe(true);
    // A renamed field, a cut-short secret or another id kind is a different output.
    expect(outputPattern(shown).test('{"customer":"cus_Q","setupIntentClientSecret":"seti_Z9_secret_k2","expiresAt":"2027-01-01T00:00:00.000Z"}')).toBe(false);
    expect(outputPattern(shown).test('{"customerId":"cus_Q","setupIntentClientSecret":"seti_Z9","expiresAt":"2027-01-01T00:00:00.000Z"}')).toBe(false);
    expect(outputPattern(shown).test('{"customerId":"pm_Q","setupIntentClientSecret":"seti_Z9_secret_k2","expiresAt":"2027-01-01T00:00:00.000Z"}')).toBe(false);
    // `…` stands for text left out; everything else is literal.
    expect(outputPattern('{"error":"Nope.",…}').test('{"error":"Nope.","code":"x"}')).toBe(true);
    expect(outputPattern('{"error":"Nope."}').test('{"error":"Nope!"}')).toBe(false);
  });

  it('runs only marked sh fences, and refuses markers that mark nothing runnable', () => {
    const doc = ['text', '<!-- runnable -->', '```sh', 'echo hi', '```', '', '<!-- output -->', '```text', 'hi', '```', '```sh', 'echo not marked', '```'].join('\n');
    expect(docExamples(doc, 'doc.md')).toEqual([{ line: 2, script: 'echo hi', output: 'hi' }]);
    expect(() => docExamples('<!-- runnable -->\n```js\nx\n```', 'doc.md')).toThrow(/must be a sh fence/);
    expect(() => docExamples('<!-- output -->\n```text\nx\n```', 'doc.md')).toThrow(/without a runnable example/);
    expect(docExamples('````markdown\n<!-- runnable -->\n```sh\nx\n```\n````', 'doc.md')).toEqual([]);
  });
});
