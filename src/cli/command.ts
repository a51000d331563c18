/** What a command returns to main (kept apart from main.ts, which imports every command). */
export interface CommandResult {
  stdout: string;
  exitCode?: number;
}
