import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/integration/**', 'node_modules/**'],
    // Hang protection only (speed is measured by npm run bench): suites that collect from the whole simulated account
    // and build a package take tens of seconds on two shared cores.
    testTimeout: 240_000,
    hookTimeout: 240_000,
    pool: 'forks',
  },
});
