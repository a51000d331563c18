import type { Progress } from '../metrics/index.js';

/** A one-line bar on stderr, redrawn in place; nothing when stderr is not a terminal. */
export function progressBar(stream: { isTTY?: boolean; write(text: string): unknown }): { update(p: Progress): void; clear(): void } | undefined {
  if (!stream.isTTY) return undefined;
  return {
    update: ({ family, cases, runs }) => {
      const width = 20;
      const filled = Math.min(width, Math.round((width * Math.min(cases, runs)) / runs));
      const state = cases <= runs ? `${cases}/${runs}` : `shrinking (${cases - runs} steps)`;
      stream.write(`\r\x1b[K${family.padEnd(13)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${state}`);
    },
    clear: () => stream.write('\r\x1b[K'),
  };
}

/** The log of a long verb's phases: on a terminal, each line prefixed with the time since the start; nothing when piped. */
export function phaseLog(stream: { isTTY?: boolean; write(text: string): unknown }, now: () => number = Date.now): (line: string) => void {
  if (!stream.isTTY) return () => {};
  const start = now();
  return (line) => stream.write(`[${((now() - start) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
}
