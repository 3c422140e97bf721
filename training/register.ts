/**
 * The register step: records a written bundle in its models folder's registry.json with its test
 * metrics, and makes it champion when asked (the first bundle always is). The registry is replaced
 * atomically (src/model/registry.ts), so the service never reads a half-written one.
 */
import { registerBundle, type Registry } from '../src/model/registry.js';
import type { Written } from './write.js';

export async function register(modelsDir: string, written: Written, promote: boolean): Promise<Registry> {
  const { bundle, ref } = written;
  const m = bundle.metrics.test;
  const entry = {
    ref,
    name: bundle.name,
    version: bundle.version,
    createdAt: bundle.createdAt,
    metrics: { auc: m.auc, ks: m.ks, brier: m.brier, ece: m.ece },
  };
  return registerBundle(modelsDir, entry, promote, new Date(bundle.createdAt));
}
