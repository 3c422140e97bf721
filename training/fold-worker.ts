/**
 * Trains one network in a worker thread, so folds train in parallel on separate cores. Inputs
 * arrive as SharedArrayBuffers (no copy); weights and held-out logits go back as plain arrays.
 */
import { parentPort } from 'node:worker_threads';
import { initBackend, type BackendPreference } from '../src/model/backend.js';
import { fitNet, type NetParams } from './network.js';

export interface FoldTask {
  id: number;
  backend: BackendPreference;
  x: SharedArrayBuffer;
  y: SharedArrayBuffer;
  width: number;
  fitRows: Int32Array;
  holdRows: Int32Array;
  params: NetParams;
  seed: number;
}

parentPort!.on('message', async (t: FoldTask) => {
  try {
    await initBackend(t.backend);
    const m = { x: new Float32Array(t.x), y: new Float32Array(t.y), width: t.width };
    const r = await fitNet(m, t.fitRows, t.holdRows, t.params, t.seed, (e) => parentPort!.postMessage({ id: t.id, progress: e }));
    parentPort!.postMessage({ id: t.id, result: r });
  } catch (e) {
    parentPort!.postMessage({ id: t.id, error: (e as Error).stack ?? String(e) });
  }
});
