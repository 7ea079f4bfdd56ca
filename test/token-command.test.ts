import { describe, expect, it } from 'vitest';
import { exitOf, runTs } from './support/process.js';

describe('npm run token', () => {
  it('--help prints the usage and exits 0', async () => {
    const { code, stdout, stderr } = await exitOf(runTs('scripts/token.ts', ['--help'], {}));
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: npm run token -- --sub USER_ID/);
    expect(stdout).toContain('--expires-in');
    expect(stderr).toBe('');
  });

  it.each([[['--bogus']], [['--sub', 'u', '--expires-in', 'soon']], [[]]])(
    'refuses %j with a line and the usage, never a stack trace',
    async (args) => {
      const { code, stdout, stderr } = await exitOf(runTs('scripts/token.ts', args, {}));
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain('usage: npm run token');
      expect(stderr).not.toMatch(/\n\s+at /);
    },
  );
});
