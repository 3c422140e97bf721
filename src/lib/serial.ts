/**
 * One-at-a-time execution of async tasks. Model swaps and policy reloads go through one of these
 * so that two of them never interleave and an older read never lands after a newer one.
 */

/** Runs `task` after every task queued before it has settled; returns the task's own result. */
export type SerialQueue = <T>(task: () => Promise<T>) => Promise<T>;

/**
 * A queue of its own: tasks run in call order, one at a time. A task that fails rejects its own
 * promise only; the next task still runs.
 */
export function serialQueue(): SerialQueue {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task);
    tail = run.catch(() => undefined);
    return run;
  };
}
