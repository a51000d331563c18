#!/usr/bin/env node
// Runs the compiled CLI in dist/ (built by `npm run build`, which `npm ci` runs as `prepare`).
import { main } from '../dist/cli/main.js';

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  // A bug, not bad input: the stack only (Node's own report would also print the source line, which for
  // an error raised inside the minified wasm glue is the whole module).
  process.stderr.write(`flatcheck: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
}
