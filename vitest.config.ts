import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  // The package's own names (src/vitest.test.ts imports them as an outside project would) resolve to the
  // sources, not to dist/: the tests check the code as it is, built or not. The user's-project test checks dist/.
  resolve: {
    alias: [
      { find: /^flatcheck$/, replacement: source('./src/index.ts') },
      { find: /^flatcheck\/vitest$/, replacement: source('./src/vitest.ts') },
      { find: /^flatcheck\/arbitraries$/, replacement: source('./src/arbitraries.ts') },
    ],
  },
  test: {
    include: ['src/**/*.test.ts', 'properties/**/*.prop.ts'],
    // Records each test's fast-check case counts in its meta (the proof report's "cases checked").
    setupFiles: ['src/report/case-counts.ts', 'src/arbitraries/print-fractions.ts'],
    // Properties run hundreds of exact cases; the per-test limit is a hang guard, not a speed target.
    testTimeout: 600_000,
    // One worker per core: vitest's default leaves one core to its main process, which the CPU-bound
    // properties do not need, and on CI's two cores that ran every file on one worker.
    maxWorkers: availableParallelism(),
    hookTimeout: 120_000,
    // .ci/run reads the JSON file for its "N passed, M failed" line; `flatcheck prove` redirects it.
    reporters: ['default', ['json', { outputFile: process.env.FLATCHECK_VITEST_JSON ?? '.vitest-results.json' }]],
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.test.ts'],
      reporter: ['text-summary', 'json-summary'],
    },
  },
});
