import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'properties/**/*.prop.ts'],
    // Records each test's fast-check case counts in its meta (the proof report's "cases checked").
    setupFiles: ['src/report/case-counts.ts'],
    // Properties run hundreds of exact cases; the per-test limit is a hang guard, not a speed target.
    testTimeout: 600_000,
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
