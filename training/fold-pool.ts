/** A small pool of training worker threads: one per core, each with its own tfjs backend. */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BackendPreference } from '../src/model/backend.js';
import type { Fold } from './folds.js';
import type { FoldTask } from './fold-worker.js';
import type { FitResult, Matrix, NetParams } from './network.js';

type Progress = { epoch: number; loss: number; valLoss: number; best: boolean };

/** Fits one network on one fold; `tag` names it in the per-epoch progress lines. */
export type FitOnFold = (fold: Fold, params: NetParams, seed: number, tag: string) => Promise<FitResult>;

export class FoldPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly waiting: (() => void)[] = [];
  private nextId = 0;

  constructor(size = Math.max(1, Math.min(availableParallelism(), 4))) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(new URL('./fold-worker.mjs', import.meta.url));
      w.unref();
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  private async acquire(): Promise<Worker> {
    while (this.idle.length === 0) await new Promise<void>((r) => this.waiting.push(r));
    return this.idle.pop()!;
  }

  private release(w: Worker): void {
    this.idle.push(w);
    this.waiting.shift()?.();
  }

  async run(task: Omit<FoldTask, 'id'>, onProgress?: (p: Progress) => void): Promise<FitResult> {
    const w = await this.acquire();
    const id = this.nextId++;
    try {
      return await new Promise<FitResult>((resolve, reject) => {
        const onMessage = (m: { id: number; progress?: Progress; result?: FitResult; error?: string }) => {
          if (m.id !== id) return;
          if (m.progress) onProgress?.(m.progress);
          else {
            w.off('message', onMessage);
            w.off('error', onError);
            if (m.error) reject(new Error(`training worker failed: ${m.error}`));
            else resolve(m.result!);
          }
        };
        const onError = (e: Error) => {
          w.off('message', onMessage);
          reject(e);
        };
        w.on('message', onMessage);
        w.on('error', onError);
        w.postMessage({ ...task, id });
      });
    } finally {
      this.release(w);
    }
  }

  /**
   * Fits networks in this pool on `m`, whose arrays must live in SharedArrayBuffers (the workers
   * read them without a copy), logging each epoch.
   */
  fitter(backend: BackendPreference, m: Matrix, log: (msg: string) => void): FitOnFold {
    const x = m.x.buffer as SharedArrayBuffer;
    const y = m.y.buffer as SharedArrayBuffer;
    return (fold, params, seed, tag) =>
      this.run({ backend, x, y, width: m.width, fitRows: fold.fit, holdRows: fold.hold, params, seed }, (e) =>
        log(
          `${tag} epoch ${String(e.epoch).padStart(2)}  loss ${e.loss.toFixed(5)}  held-out ${e.valLoss.toFixed(5)}${e.best ? ' *' : ''}`,
        ),
      );
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
