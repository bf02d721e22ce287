import { defineConfig } from 'vitest/config';

// Three suites: unit (pure, no I/O), integration (real emulators + sandboxes over HTTP),
// contract (our provider clients against Prism mocks of ../shared/contracts).
export default defineConfig({
  test: {
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/helpers/emulators.global-setup.ts'],
          // Above the tests' own 25–30 s polling deadlines, so those report what they waited for.
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'contract',
          include: ['test/contract/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
