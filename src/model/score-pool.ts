/**
 * Worker threads for offline scoring: one bundle loaded per thread, batches handed to whichever
 * thread is idle. A thread that fails to load the bundle fails the whole pool at start (the same
 * bundle would fail everywhere); a thread that dies mid-run fails its batch and every later one,
 * so the caller never writes a partial file believing it whole.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BackendPreference } from './backend.js';
import type { BatchScores, ColumnBatch } from './score-batch.js';

interface Job {
  batch: ColumnBatch;
  reasons: boolean;
  resolve: (s: BatchScores) => void;
  reject: (e: Error) => void;
}

export class ScorePool {
  private readonly idle: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly running = new Map<Worker, Job>();
  private dead: Error | null = null;

  private constructor(
    private readonly workers: Worker[],
    readonly backend: string,
    readonly engine: string,
  ) {
    for (const w of workers) {
      this.idle.push(w);
      w.on('message', (m: { type: string; out?: BatchScores; message?: string }) => this.onMessage(w, m));
      w.on('error', (e) => this.fail(w, e));
      w.on('exit', (code) => {
        if (code !== 0) this.fail(w, new Error(`a scoring thread exited with code ${code}`));
      });
    }
  }

  /** Starts `threads` threads (default: every core) and waits until each has loaded and checked the bundle. */
  static async start(dir: string, opts: { threads?: number; backend?: BackendPreference } = {}): Promise<ScorePool> {
    const n = Math.max(1, opts.threads ?? availableParallelism());
    const workers = Array.from(
      { length: n },
      () => new Worker(new URL('./score-worker.mjs', import.meta.url), { workerData: { dir, backend: opts.backend ?? 'auto' } }),
    );
    try {
      const ready = await Promise.all(
        workers.map(
          (w) =>
            new Promise<{ backend: string; engine: string }>((resolve, reject) => {
              w.once('message', (m: { type: string; backend: string; engine: string; message?: string }) =>
                m.type === 'ready' ? resolve(m) : reject(new Error(m.message ?? 'the scoring thread did not start')),
              );
              w.once('error', reject);
            }),
        ),
      );
      return new ScorePool(workers, ready[0].backend, ready[0].engine);
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
  }

  get threads(): number {
    return this.workers.length;
  }

  score(batch: ColumnBatch, reasons: boolean): Promise<BatchScores> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      this.queue.push({ batch, reasons, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length && this.queue.length) {
      const w = this.idle.pop()!;
      const job = this.queue.shift()!;
      this.running.set(w, job);
      const b = job.batch;
      w.postMessage(
        { batch: b, reasons: job.reasons },
        b.numeric.map((c) => c.values.buffer as ArrayBuffer),
      );
    }
  }

  private onMessage(w: Worker, m: { type: string; out?: BatchScores; message?: string }): void {
    const job = this.running.get(w);
    if (!job) return;
    this.running.delete(w);
    this.idle.push(w);
    if (m.type === 'scores') job.resolve(m.out!);
    else job.reject(new Error(`scoring failed: ${m.message}`));
    this.pump();
  }

  private fail(w: Worker, e: Error): void {
    this.dead ??= e;
    const job = this.running.get(w);
    this.running.delete(w);
    job?.reject(e);
    for (const q of this.queue.splice(0)) q.reject(e);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
