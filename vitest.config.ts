import { defineConfig } from 'vitest/config';

// an unexpected console.error or console.warn fails the test that wrote it
const setupFiles = ['tests/setup/console.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.{ts,tsx}', 'db/**/*.test.ts', 'emails/**/*.test.{ts,tsx}'],
          environment: 'node',
          setupFiles,
        },
      },
      {
        test: {
          name: 'node',
          include: ['tests/**/*.test.{ts,tsx}'],
          exclude: ['tests/workers/**'],
          environment: 'node',
          setupFiles,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          // The same flow suite in workerd over D1: Miniflare runs the `wrangler deploy
          // --dry-run` bundle; global-setup builds it and migrates a local D1 once per run.
          name: 'workerd',
          include: ['tests/workers/**/*.test.ts'],
          environment: 'node',
          setupFiles,
          globalSetup: ['tests/workers/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
