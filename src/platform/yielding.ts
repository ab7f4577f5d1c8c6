import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Long work in steps (issue 20, finding 6: one 200,000-row upload held /health for 8.1 s, and OCPP shares the event
 * loop, so every station waited too). The work is written once as a generator that yields between chunks; a caller
 * that may block (a CLI, a test helper) runs it to the end at once, a request handler lets the event loop run other
 * requests and stations between the chunks.
 */
export type Steps<T> = Generator<void, T, void>;

/** Runs every step at once. */
export function runToEnd<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** Runs the steps with a turn of the event loop (setImmediate: after pending I/O) between them. */
export async function runYielding<T>(steps: Steps<T>): Promise<T> {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await nextTurn();
  }
}
