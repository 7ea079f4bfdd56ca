// `npm start`'s prestart: compile src/ when TypeScript is installed (a development checkout,
// where dist/ may be stale), and leave dist/ as it is once the dev dependencies were pruned
// (the production sequence builds before pruning). Plain JavaScript: tsx is a dev dependency.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url);
const require = createRequire(import.meta.url);

let tsc;
try {
  tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
} catch {
  tsc = undefined;
}

if (tsc) {
  const { status } = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  process.exit(status ?? 1);
}
if (!existsSync(new URL('dist/main.js', root))) {
  console.error(
    'stripe-setup-gateway: dist/main.js is missing and TypeScript is not installed; ' +
      'build before pruning: npm ci && npm run build && npm prune --omit=dev && npm start',
  );
  process.exit(1);
}
