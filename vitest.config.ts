import { defineConfig } from 'vitest/config';

// Four suites: unit (pure, no I/O), integration (real emulators + sandboxes over HTTP), browser (the
// console in headless Chromium against the local stack), contract (our provider clients against Prism
// mocks of ../shared/contracts).
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
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          // The emulators, then one stack with the console and one headless Chromium for every file.
          globalSetup: ['test/helpers/emulators.global-setup.ts', 'test/browser/global-setup.ts'],
          testTimeout: 90_000,
          hookTimeout: 120_000,
          // Pages wait for a real stack on a shared machine: polls get time to see the answer.
          expect: { poll: { timeout: 30_000, interval: 100 } },
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
