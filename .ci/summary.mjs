// Prints "N passed, M failed" from vitest's JSON report; exits 1 on any failure,
// on a missing report, or when no test ran.
import { readFileSync } from 'node:fs';

const path = process.argv[2] ?? '.vitest-results.json';
let report;
try {
  report = JSON.parse(readFileSync(path, 'utf8'));
} catch (e) {
  console.log(`no vitest report at ${path} (${e.message})`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const passed = report.numPassedTests;
// Suites that fail to load count as failures even when no test in them ran.
const failed = report.numFailedTests + report.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
