/**
 * A clean end on SIGINT or SIGTERM for the long verbs (prove, experiment,
 * check): every registered clean-up runs — child processes killed, temporary
 * directories removed — and the process exits 130 (SIGINT) or 143 (SIGTERM).
 * Worker threads end with the process. Clean-ups are synchronous: a signal
 * handler runs between two turns of the event loop, so no synchronous write
 * (writeDirectoryAtomic) is ever cut in half by it.
 */
const cleanups = new Set<() => void>();
let installed = false;

/** Runs `cleanup` if the process is stopped by a signal; call the returned function once it is no longer needed. */
export function onSignalExit(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

/** Installs the SIGINT and SIGTERM handlers (once). */
export function exitCleanlyOnSignals(): void {
  if (installed) return;
  installed = true;
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.on(signal, () => {
      for (const cleanup of [...cleanups].reverse()) {
        try {
          cleanup();
        } catch {
          // one failed clean-up must not keep the others from running
        }
      }
      process.stderr.write(`flatcheck: stopped by ${signal}; its subprocesses are stopped and its temporary files removed\n`);
      process.exit(code);
    });
  }
}

/** Kills a child process and its own children (it was spawned `detached`, as the leader of its process group). */
export function killProcessGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
