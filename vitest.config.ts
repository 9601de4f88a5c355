import { defineConfig } from 'vitest/config';

// Three projects: `unit` needs nothing but Node (local transport, temp dirs); `compat` runs
// test/compat's cases under ansible-playbook and tsplay on localhost (needs ansible-core);
// `integration` needs the lab hosts from test/lab (root, systemd-nspawn).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        // tsplay and ansible-playbook side by side on localhost (test/compat): needs ansible-core.
        test: {
          name: 'compat',
          include: ['test/compat/**/*.test.ts'],
          // A case is six ansible-playbook/tsplay runs; on a loaded 2-core machine a single
          // ansible-playbook run can take 30 s.
          testTimeout: 900_000,
          hookTimeout: 300_000,
          maxConcurrency: 4,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          // Lab hosts are shared state: one file at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
