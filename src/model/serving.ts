/**
 * The serving lifecycle the API and the worker share: which bundle serves as champion (and, where
 * the caller serves one, as challenger), kept in step with models/registry.json.
 *
 * One request, one model: a caller reads a slot once (`requireChampion`) and uses that object for
 * the whole request or job. A swap replaces the slot reference in one assignment and marks the old
 * slot retired; it never changes the model inside a slot. A retired model is freed by the garbage
 * collector once the last request holding its slot lets go (a loaded model holds plain typed arrays
 * and its own WebAssembly memory; its tfjs tensors are released at load time), so there is nothing
 * to dispose and nothing is reference-counted.
 *
 * Loads, promotions and registry reconciliations run one at a time (serialQueue), so two swaps never
 * interleave. A bundle is loaded, validated and warmed up by the loader (loadModel) and prepared
 * (`prepare`) before the swap; one that fails is refused and the current model keeps serving.
 *
 * `follow` keeps the instance in step with promotions made elsewhere: fs.watch on the models folder
 * (the registry is replaced by rename, so the file's own inode changes) and the nudge sources the
 * caller passes (Redis pub/sub: announcements.ts), debounced into one registry read.
 */
import { watch } from 'node:fs';
import { resolve } from 'node:path';
import { serialQueue } from '../lib/serial.js';
import { ModelError } from './errors.js';
import { loadModel } from './load.js';
import { bundleDir, promote as writePromotion, readRegistry, REGISTRY_FILE, type Registry } from './registry.js';
import type { LoadedModel } from './types.js';

/**
 * A bundle error's message as a client may see it: the loader names files by their path on this
 * server, which a 4xx must not reveal, so the bundle's folder becomes its ref and any other path
 * under the models folder becomes relative to it.
 */
export function bundleErrorMessage(err: Error, modelsDir: string, ref: string): string {
  const dir = bundleDir(modelsDir, ref);
  let msg = err.message;
  for (const [path, name] of [
    [resolve(dir), ref],
    [dir, ref],
    [resolve(modelsDir), 'models'],
    [modelsDir, 'models'],
  ] as const)
    msg = msg.split(path).join(name);
  return msg;
}

export type Role = 'champion' | 'challenger';
export const ROLES: readonly Role[] = ['champion', 'challenger'];

interface SlotBase {
  readonly role: Role;
  /** "name/version": the bundle's registry reference. */
  readonly ref: string;
  readonly model: LoadedModel;
  /** Set once another model has replaced this one: its scores no longer describe the serving model. */
  readonly retired: boolean;
}

/** A served model, with whatever the caller's `prepare` derived from it. */
export type Slot<X extends object = object> = SlotBase & Readonly<X>;

export interface ServingLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ServingOptions<X extends object> {
  modelsDir: string;
  log: ServingLog;
  /** Loads, validates and warms up a bundle directory; default loadModel. */
  loader?: (dir: string) => Promise<LoadedModel>;
  /** Derives per-model data once, before the swap (the API's request schemas); merged into the slot. */
  prepare?: (model: LoadedModel) => X;
  /** The roles this instance serves and follows (default both). A worker serves the champion only. */
  roles?: readonly Role[];
  onSwap?: (role: Role, next: Slot<X> | null, previous: Slot<X> | null) => void;
  onRefused?: (role: Role, ref: string, err: Error) => void;
}

/** Tells the instance to re-read the registry (a pub/sub channel, a signal); returns its stop function. */
export type NudgeSource = (nudge: (reason: string) => void) => () => void;

export interface FollowOptions {
  /** fs.watch the models folder (default true). */
  watchRegistry?: boolean;
  /** Nudges within this window become one registry read (default 150 ms). */
  debounceMs?: number;
  sources?: readonly NudgeSource[];
}

export const refOf = (m: LoadedModel): string => `${m.bundle.name}/${m.bundle.version}`;

export class ModelServing<X extends object = object> {
  private readonly slots: Record<Role, Slot<X> | null> = { champion: null, challenger: null };
  private readonly exclusive = serialQueue();
  private readonly roles: readonly Role[];
  private readonly loader: (dir: string) => Promise<LoadedModel>;
  private readonly stops: (() => void)[] = [];
  private debounceMs = 150;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly o: ServingOptions<X>) {
    this.roles = o.roles ?? ROLES;
    this.loader = o.loader ?? loadModel;
  }

  get champion(): Slot<X> | null {
    return this.slots.champion;
  }

  get challenger(): Slot<X> | null {
    return this.slots.challenger;
  }

  /** The champion slot for one request or job; ModelError `no_model` when none is loaded. */
  requireChampion(): Slot<X> {
    const s = this.slots.champion;
    if (!s) throw new ModelError('no_model', 'no model is loaded: train one (npm run train) or promote a bundle');
    return s;
  }

  /** Swaps `model` in as `role` (null clears the role). Synchronous: the swap is one assignment. */
  install(role: Role, model: LoadedModel | null, ref = model ? refOf(model) : ''): Slot<X> | null {
    const next = model ? this.slotOf(role, model, ref) : null;
    this.swap(role, next);
    return next;
  }

  /**
   * Re-reads registry.json and swaps to whatever it names, for this instance's roles (or `roles`).
   * `force` reloads a role even when the registry names the bundle already serving.
   */
  reconcile(reason: string, o: { roles?: readonly Role[]; force?: boolean } = {}): Promise<void> {
    return this.exclusive(async () => {
      if (this.closed) return;
      let reg: Registry;
      try {
        reg = await readRegistry(this.o.modelsDir);
      } catch (e) {
        this.o.log.error({ err: e, reason }, 'cannot read the model registry; keeping the current models');
        return;
      }
      const changed = await this.apply(reg, o.roles ?? this.roles, o.force ?? false);
      this.o.log.info(
        { reason, changed },
        changed.length ? `registry re-read (${reason}): ${changed.join(' and ')} swapped` : `registry re-read (${reason}): nothing to swap`,
      );
    });
  }

  /**
   * Loads, validates and warms up a bundle, records the promotion in the registry, then swaps it in.
   * A bundle that fails to load is refused (ModelError `invalid_bundle`) before the registry is touched.
   */
  promote(version: string, as: Role): Promise<{ ref: string; as: Role; previous: string | null }> {
    return this.exclusive(async () => {
      const reg = await readRegistry(this.o.modelsDir);
      const matches = reg.bundles.filter((b) => b.ref === version || b.version === version);
      if (matches.length === 0) throw new ModelError('not_found', `no bundle "${version}" in the registry`);
      if (matches.length > 1)
        throw new ModelError(
          'ambiguous',
          `version "${version}" exists under several names; use one of ${matches.map((m) => m.ref).join(', ')}`,
        );
      const ref = matches[0].ref;
      // Shadow-scoring a model against itself measures nothing and would hide the real comparison.
      if (as === 'challenger' && reg.champion === ref)
        throw new ModelError('conflict', `${ref} is the champion; it cannot also be its challenger`, ref);
      const current = this.slots[as];
      let next: Slot<X> | null = null;
      if (current?.ref !== ref) {
        try {
          next = this.slotOf(as, await this.load(ref), ref);
        } catch (e) {
          this.o.onRefused?.(as, ref, e as Error);
          const why = bundleErrorMessage(e as Error, this.o.modelsDir, ref);
          throw new ModelError('invalid_bundle', `bundle ${ref} refused: ${why}`, ref, { cause: new Error(why) });
        }
      }
      const after = await writePromotion(this.o.modelsDir, ref, as);
      if (next) this.swap(as, next);
      await this.apply(after, this.roles, false);
      return { ref, as, previous: current?.ref ?? null };
    });
  }

  /** Follows promotions made elsewhere (registry file, nudge sources) until `close`. */
  follow(o: FollowOptions = {}): void {
    this.debounceMs = o.debounceMs ?? this.debounceMs;
    if (o.watchRegistry ?? true) {
      try {
        const watcher = watch(this.o.modelsDir, (_ev, file) => {
          if (file === null || file === REGISTRY_FILE) this.nudge('registry file changed');
        });
        watcher.on('error', (err) =>
          this.o.log.error({ err }, 'registry watch failed; promotions by other processes need a restart or pub/sub'),
        );
        this.stops.push(() => watcher.close());
      } catch (err) {
        this.o.log.error({ err, modelsDir: this.o.modelsDir }, 'cannot watch the models folder');
      }
    }
    for (const source of o.sources ?? []) this.stops.push(source((reason) => this.nudge(reason)));
  }

  /** Re-reads the registry once the nudges stop arriving for the debounce window. */
  nudge(reason: string): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.reconcile(reason).catch((err: unknown) => this.o.log.error({ err, reason }, 'following the registry failed'));
    }, this.debounceMs);
    this.timer.unref();
  }

  /** Stops following, waits for the swap in progress, and lets go of every model. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const stop of this.stops.splice(0)) stop();
    await this.exclusive(async () => undefined);
    this.slots.champion = null;
    this.slots.challenger = null;
  }

  private load(ref: string): Promise<LoadedModel> {
    return this.loader(bundleDir(this.o.modelsDir, ref));
  }

  private slotOf(role: Role, model: LoadedModel, ref: string): Slot<X> {
    const extra = this.o.prepare ? this.o.prepare(model) : ({} as X);
    return { ...extra, role, ref, model, retired: false };
  }

  private swap(role: Role, next: Slot<X> | null): void {
    const prev = this.slots[role];
    this.slots[role] = next;
    if (prev) (prev as { retired: boolean }).retired = true;
    if (next?.model.engineNote)
      this.o.log.warn(
        { role, ref: next.ref, engine: next.model.engine, note: next.model.engineNote },
        `${role} ${next.ref} serves through the ${next.model.engine} pass`,
      );
    this.o.log.info(
      { role, ref: next?.ref ?? null, previous: prev?.ref ?? null, engine: next?.model.engine ?? null },
      `${role} ${next ? `now ${next.ref}` : 'cleared'}`,
    );
    this.o.onSwap?.(role, next, prev);
  }

  /** Brings `roles` in line with `reg`; returns the roles swapped. A bundle that fails to load is refused. */
  private async apply(reg: Registry, roles: readonly Role[], force: boolean): Promise<Role[]> {
    const changed: Role[] = [];
    for (const role of roles) {
      const want = reg[role];
      const have = this.slots[role];
      if (!force && want === (have?.ref ?? null)) continue;
      if (want === null) {
        // A registry without a champion is an operator mistake; keep serving rather than go dark.
        if (role === 'champion') this.o.log.warn({}, 'registry names no champion; keeping the current model');
        else if (have) {
          this.swap('challenger', null);
          changed.push(role);
        }
        continue;
      }
      try {
        this.swap(role, this.slotOf(role, await this.load(want), want));
        changed.push(role);
      } catch (e) {
        this.o.log.error({ err: e, ref: want, role }, `refused to load ${role} ${want}; keeping ${have?.ref ?? 'none'}`);
        this.o.onRefused?.(role, want, e as Error);
      }
    }
    return changed;
  }
}
