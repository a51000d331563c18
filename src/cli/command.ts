/** What a command returns to main (kept apart from main.ts, which imports every command). */
export interface CommandResult {
  stdout: string;
  /** Said on stderr before stdout is written (e.g. a metric's log with --verbose): never mixed into stdout. */
  stderr?: string;
  exitCode?: number;
}
