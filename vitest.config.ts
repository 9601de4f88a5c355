import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs nothing but Node (local transport, temp dirs);
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
