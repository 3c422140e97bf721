/**
 * Holds the models this instance serves (champion, optional challenger) and swaps them atomically.
 *
 * A request `acquire`s the current champion slot and `release`s it when done; a swap replaces the
 * slot reference in one assignment, so a request sees either the old or the new model, never a mix.
 * The old slot is disposed once its last in-flight request releases it. Every load, promotion and
 * registry reconciliation runs through one queue (`exclusive`), so two swaps never interleave.
 */
import { resolve } from 'node:path';
import type { z } from 'zod';
import type { RawRow } from '../domain/encoding.js';
import { tierFor } from '../domain/scoring.js';
import { bundleDir, promote as writePromotion, readRegistry, type Registry } from '../model/registry.js';
import type { LoadedModel } from '../model/types.js';
import { ApiError } from './errors.js';
import { Ring, ShadowLog } from './monitoring.js';
import { featureSchema, scoreRequestSchema } from './schemas.js';

export type Role = 'champion' | 'challenger';

export interface Slot {
  readonly ref: string;
  readonly model: LoadedModel;
  /** This bundle's feature schema: the request validation for everything it scores. */
  readonly features: z.ZodType<Record<string, unknown>>;
  readonly known: ReadonlySet<string>;
  /** A whole POST /v1/scores body (borrowerId + features) under this bundle's schema: batch items. */
  readonly request: z.ZodType<{ borrowerId?: string; features: Record<string, unknown> }>;
  /** Identifies the feature contract, so the shadow path can skip re-validation when it is the same. */
  readonly contract: string;
  inFlight: number;
  retired: boolean;
}

export interface HolderLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface HolderOptions {
  modelsDir: string;
  loader: (dir: string) => Promise<LoadedModel>;
  log: HolderLog;
  onSwap?: (role: Role, slot: Slot | null, previous: Slot | null) => void;
  onRefused?: (ref: string, err: Error) => void;
  onShadow?: (absDiffs: number[]) => void;
  /** Capacity of the recent-score ring used for drift. */
  recentCapacity?: number;
}

export const refOf = (m: LoadedModel): string => `${m.bundle.name}/${m.bundle.version}`;

/**
 * A bundle error's message as a client may see it: the loader names files by their path on this
 * server, which a 4xx must not reveal, so the bundle's folder becomes its ref and any other path
 * under the models folder becomes relative to it.
 */
export function bundleErrorMessage(err: Error, modelsDir: string, ref: string): string {
  const dir = bundleDir(modelsDir, ref);
  let msg = err.message;
  for (const [path, name] of [[resolve(dir), ref], [dir, ref], [resolve(modelsDir), 'models'], [modelsDir, 'models']] as const) msg = msg.split(path).join(name);
  return msg;
}

function makeSlot(model: LoadedModel, ref: string): Slot {
  const f = model.bundle.features;
  const features = featureSchema(f);
  return {
    ref,
    model,
    features,
    request: scoreRequestSchema(features),
    known: new Set(f.map((x) => x.name)),
    contract: JSON.stringify(f.map((x) => [x.name, x.type])),
    inFlight: 0,
    retired: false,
  };
}

const MAX_SHADOW_PENDING = 10_000;

export class ModelHolder {
  private champ: Slot | null = null;
  private chall: Slot | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private pending: { row: RawRow; pd: number; tier: string; contract: string }[] = [];
  private flushScheduled = false;
  private closed = false;
  /** Recent champion score points, for PSI drift; reset when the champion changes. */
  readonly recent: Ring;
  readonly shadow = new ShadowLog();

  constructor(private readonly o: HolderOptions) {
    this.recent = new Ring(o.recentCapacity ?? 10_000);
  }

  get champion(): Slot | null {
    return this.champ;
  }

  get challenger(): Slot | null {
    return this.chall;
  }

  /** The champion slot for one request; pair with `release`. 503 when no model is loaded. */
  acquire(): Slot {
    const s = this.champ;
    if (!s) throw new ApiError('ARREARS_NO_MODEL', 'no model is loaded: train one (npm run train) or promote a bundle');
    s.inFlight++;
    return s;
  }

  release(s: Slot): void {
    s.inFlight--;
    if (s.retired && s.inFlight === 0) this.dispose(s);
  }

  private dispose(s: Slot): void {
    try {
      s.model.dispose();
    } catch (e) {
      this.o.log.error({ err: e, ref: s.ref }, 'disposing a retired model failed');
    }
  }

  /** Swaps `model` in as `role` (null clears the role). Synchronous: the swap is one assignment. */
  install(role: Role, model: LoadedModel | null, ref = model ? refOf(model) : ''): void {
    const next = model ? makeSlot(model, ref) : null;
    const prev = role === 'champion' ? this.champ : this.chall;
    if (role === 'champion') {
      this.champ = next;
      this.recent.clear();
    } else this.chall = next;
    this.shadow.clear();
    // Pairs queued against the previous pair of models would be recorded against the new one.
    this.pending = [];
    if (prev) {
      prev.retired = true;
      if (prev.inFlight === 0) this.dispose(prev);
    }
    if (next?.model.engineNote) this.o.log.warn({ role, ref: next.ref, engine: next.model.engine, note: next.model.engineNote }, `${role} ${next.ref} serves through the ${next.model.engine} pass`);
    this.o.log.info({ role, ref: next?.ref ?? null, previous: prev?.ref ?? null, engine: next?.model.engine ?? null }, `${role} ${next ? `now ${next.ref}` : 'cleared'}`);
    this.o.onSwap?.(role, next, prev);
  }

  /** Runs `fn` after every earlier load/promotion/reconciliation has finished. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async load(ref: string): Promise<LoadedModel> {
    return this.o.loader(bundleDir(this.o.modelsDir, ref));
  }

  /** Brings both roles in line with `reg`. A bundle that fails to load is refused; the old one keeps serving. */
  private async apply(reg: Registry, roles: readonly Role[] = ['champion', 'challenger']): Promise<void> {
    for (const role of roles) {
      const want = reg[role];
      const have = role === 'champion' ? this.champ : this.chall;
      if (want === (have?.ref ?? null)) continue;
      if (want === null) {
        // A registry without a champion is an operator mistake; keep serving rather than go dark.
        if (role === 'champion') this.o.log.warn({}, 'registry names no champion; keeping the current model');
        else this.install('challenger', null);
        continue;
      }
      try {
        this.install(role, await this.load(want), want);
      } catch (e) {
        this.o.log.error({ err: e, ref: want, role }, `refused to load ${role} ${want}; keeping ${have?.ref ?? 'none'}`);
        this.o.onRefused?.(want, e as Error);
      }
    }
  }

  /** Re-reads registry.json and swaps to whatever it names (file watch, pub/sub, startup). */
  reconcile(reason: string, roles?: readonly Role[]): Promise<void> {
    return this.exclusive(async () => {
      if (this.closed) return;
      let reg: Registry;
      try {
        reg = await readRegistry(this.o.modelsDir);
      } catch (e) {
        this.o.log.error({ err: e, reason }, 'cannot read the model registry; keeping the current models');
        return;
      }
      await this.apply(reg, roles);
    });
  }

  /**
   * Validates, loads and warms up a bundle, records the promotion in the registry, then swaps it in.
   * A bundle that fails to load is refused (422) before the registry is touched.
   */
  promote(version: string, as: Role): Promise<{ ref: string; as: Role; previous: string | null }> {
    return this.exclusive(async () => {
      const reg = await readRegistry(this.o.modelsDir);
      const matches = reg.bundles.filter((b) => b.ref === version || b.version === version);
      if (matches.length === 0) throw new ApiError('ARREARS_MODEL_NOT_FOUND', `no bundle "${version}" in the registry`);
      if (matches.length > 1)
        throw new ApiError('ARREARS_CONFLICT', `version "${version}" exists under several names; use one of ${matches.map((m) => m.ref).join(', ')}`);
      const ref = matches[0].ref;
      // Shadow-scoring a model against itself measures nothing and would hide the real comparison.
      if (as === 'challenger' && reg.champion === ref) throw new ApiError('ARREARS_CONFLICT', `${ref} is the champion; it cannot also be its challenger`);
      const current = as === 'champion' ? this.champ : this.chall;
      let model: LoadedModel | null = null;
      if (current?.ref !== ref) {
        try {
          model = await this.load(ref);
        } catch (e) {
          this.o.onRefused?.(ref, e as Error);
          const why = bundleErrorMessage(e as Error, this.o.modelsDir, ref);
          throw new ApiError('ARREARS_BUNDLE_INVALID', `bundle ${ref} refused: ${why}`, [{ path: 'version', issue: why }]);
        }
      }
      let after: Registry;
      try {
        after = await writePromotion(this.o.modelsDir, ref, as);
      } catch (e) {
        model?.dispose();
        throw e;
      }
      if (model) this.install(as, model, ref);
      await this.apply(after);
      return { ref, as, previous: current?.ref ?? null };
    });
  }

  /** Records champion scores for drift. */
  observe(points: number): void {
    this.recent.push(points);
  }

  /**
   * Queues validated rows for challenger shadow scoring. It runs after the response is on its way
   * (setImmediate), in one `predictPd` call per tick, so the champion's latency does not pay for it.
   */
  shadowScore(row: RawRow, championPd: number, championTier: string, contract: string): void {
    if (!this.chall || this.closed) return;
    if (this.pending.length >= MAX_SHADOW_PENDING) {
      this.shadow.skipped++;
      return;
    }
    this.pending.push({ row, pd: championPd, tier: championTier, contract });
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushShadow());
    }
  }

  private flushShadow(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    const s = this.chall;
    if (!s || !batch.length) return;
    s.inFlight++;
    try {
      // Rows were validated against the champion that scored them; re-validate unless the
      // challenger's feature contract is that same one.
      const ok = batch.filter((b) => b.contract === s.contract || s.features.safeParse(b.row).success);
      this.shadow.skipped += batch.length - ok.length;
      if (!ok.length) return;
      const pds = s.model.predictPd(ok.map((b) => b.row));
      const diffs: number[] = [];
      ok.forEach((b, i) => {
        this.shadow.record(b.pd, pds[i], tierFor(s.model.bundle.tiers, pds[i]) === b.tier);
        diffs.push(Math.abs(b.pd - pds[i]));
      });
      this.o.onShadow?.(diffs);
    } catch (e) {
      this.o.log.error({ err: e, ref: s.ref }, 'shadow scoring failed');
    } finally {
      this.release(s);
    }
  }

  /** Waits for queued swaps, then disposes every model. */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue.catch(() => undefined);
    for (const s of [this.champ, this.chall]) if (s) this.dispose(s);
    this.champ = null;
    this.chall = null;
  }
}
