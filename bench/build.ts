import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// Inside the project, so the compiled servers resolve its node_modules.
const CACHE_DIR = `${ROOT}node_modules/.cache/stripe-setup-gateway-bench/`;

/**
 * Compiles the servers under test (and the gateway's source) to plain JavaScript with source
 * maps, as `npm run build` compiles dist/, so each runs on bare `node` as `npm start` runs the
 * gateway: tsx's loader thread would add some 30 MB of RSS and its own start-up to every server.
 * Each run compiles into a directory of its own (removed when it exits), so a run never starts a
 * server from files another run is rewriting. Returns the compiled servers' directory.
 */
export function compileServers(root = ROOT, name = `run-${process.pid}`): string {
  const outDir = `${CACHE_DIR}${name}/`;
  process.on('exit', () => rmSync(outDir, { recursive: true, force: true }));
  try {
    // `root`: another checkout (bench/ab.ts compiles the base of a comparison from one).
    execFileSync(`${ROOT}node_modules/.bin/tsc`, ['-p', `${root}bench/tsconfig.build.json`, '--outDir', outDir], {
      cwd: root,
      stdio: 'pipe',
    });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`compiling the servers under test failed:\n${stdout}${stderr}`);
  }
  // The gateway reads its package.json beside src/ (the OpenAPI document's name), as in dist/.
  copyFileSync(`${root}package.json`, `${outDir}package.json`);
  return `${outDir}bench/servers/`;
}

/**
 * The Node flags `npm start` gives the gateway (`node --enable-source-maps dist/main.js` →
 * `--enable-source-maps`), read from package.json so the bench always runs what production runs.
 */
export function startScriptFlags(root = ROOT): string[] {
  const { scripts } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: Record<string, string> };
  const words = (scripts.start ?? '').trim().split(/\s+/);
  const flags: string[] = [];
  for (const word of words.slice(words.indexOf('node') + 1)) {
    if (!word.startsWith('-')) break;
    // The tracing preload (dist/tracing/register.js) does nothing without OTEL_* variables.
    if (word.startsWith('--import=')) continue;
    flags.push(word);
  }
  return flags;
}
