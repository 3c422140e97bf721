/**
 * One offline-scoring thread: loads the bundle once (with the load-time parity checks), then
 * scores each batch it is sent and returns the results as transferable typed arrays.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from './backend.js';
import { loadModel } from './load.js';
import { scoreBatch, type ColumnBatch } from './score-batch.js';

const { dir, backend } = workerData as { dir: string; backend: 'auto' | 'tensorflow' | 'wasm' | 'cpu' };
const port = parentPort!;
try {
  const used = await initBackend(backend);
  const model = await loadModel(dir);
  port.postMessage({ type: 'ready', backend: used, engine: model.engine });
  port.on('message', (m: { batch: ColumnBatch; reasons: boolean }) => {
    try {
      const out = scoreBatch(model, m.batch, m.reasons);
      port.postMessage({ type: 'scores', out }, [
        out.pd.buffer as ArrayBuffer,
        out.score.buffer as ArrayBuffer,
        out.tier.buffer as ArrayBuffer,
      ]);
    } catch (e) {
      port.postMessage({ type: 'error', seq: m.batch.seq, message: (e as Error).message });
    }
  });
} catch (e) {
  port.postMessage({ type: 'fatal', message: (e as Error).message });
}
