/**
 * Loads the Lua scripts in ./lua as ioredis custom commands (EVALSHA, reloaded automatically after
 * a Redis restart flushes the script cache). Each script's header documents its KEYS and ARGV.
 */
import { readFileSync } from 'node:fs';
import type { ChainableCommander, Redis } from 'ioredis';

export type ScriptName = 'arrearsAssign' | 'arrearsAssignState' | 'arrearsClaim' | 'arrearsRelease' | 'arrearsOutcome';

/** keys: the fixed KEYS count, or null for a script that takes any number (passed before the keys). */
const SCRIPTS: Record<ScriptName, { file: string; keys: number | null }> = {
  arrearsAssign: { file: 'assign.lua', keys: null },
  arrearsAssignState: { file: 'assign-state.lua', keys: null },
  arrearsClaim: { file: 'claim.lua', keys: 3 },
  arrearsRelease: { file: 'release.lua', keys: 3 },
  arrearsOutcome: { file: 'outcome.lua', keys: 4 },
};
type Arg = string | number;

const sources = new Map<ScriptName, string>();
const source = (name: ScriptName): string => {
  let s = sources.get(name);
  if (!s) {
    s = readFileSync(new URL(`./lua/${SCRIPTS[name].file}`, import.meta.url), 'utf8');
    sources.set(name, s);
  }
  return s;
};

const defined = new WeakSet<Redis>();

/** Registers the scripts on a connection (idempotent). */
export function defineScripts(redis: Redis): void {
  if (defined.has(redis)) return;
  for (const name of Object.keys(SCRIPTS) as ScriptName[]) {
    const keys = SCRIPTS[name].keys;
    redis.defineCommand(name, keys === null ? { lua: source(name) } : { numberOfKeys: keys, lua: source(name) });
  }
  defined.add(redis);
}

const withKeyCount = (name: ScriptName, keys: readonly Arg[]): readonly Arg[] =>
  SCRIPTS[name].keys === null ? [keys.length, ...keys] : keys;

/** Runs a script directly. */
export function runScript<T = unknown>(redis: Redis, name: ScriptName, keys: readonly Arg[], args: readonly Arg[]): Promise<T> {
  defineScripts(redis);
  return (redis as unknown as Record<ScriptName, (...a: Arg[]) => Promise<T>>)[name](...withKeyCount(name, keys), ...args);
}

/** Queues a script on a pipeline (the connection must have been through defineScripts). */
export function pipeScript(pipe: ChainableCommander, name: ScriptName, keys: readonly Arg[], args: readonly Arg[]): void {
  (pipe as unknown as Record<ScriptName, (...a: Arg[]) => void>)[name](...withKeyCount(name, keys), ...args);
}
