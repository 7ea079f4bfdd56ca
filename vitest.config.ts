import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // One graphql instance: Pothos loads its CommonJS build, so test files must too.
    alias: { graphql: 'graphql/index.js' },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
