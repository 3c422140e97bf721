/**
 * `models/registry.json`: which bundles exist, which one is champion, which is challenger, and the
 * promotion history. Every write goes to a temporary file that is renamed over the old one, so a
 * reader never sees a half-written registry.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

export const RegistrySchema = z.object({
  champion: z.string().nullable(),
  challenger: z.string().nullable(),
  bundles: z.array(
    z.object({
      /** "name/version", also the bundle's path under the models folder. */
      ref: z.string(),
      name: z.string(),
      version: z.string(),
      createdAt: z.string(),
      metrics: z.record(z.string(), z.number()).default({}),
    }),
  ),
  history: z.array(
    z.object({ ref: z.string(), action: z.enum(['register', 'promote', 'challenger', 'clear_challenger']), at: z.string() }),
  ),
});
export type Registry = z.infer<typeof RegistrySchema>;
export type RegistryEntry = Registry['bundles'][number];

export const REGISTRY_FILE = 'registry.json';
/** History entries kept: the latest ones. Every promotion appends, and the file is rewritten each time. */
export const MAX_HISTORY = 1_000;

export const emptyRegistry = (): Registry => ({ champion: null, challenger: null, bundles: [], history: [] });

export function bundleDir(modelsDir: string, ref: string): string {
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(ref) || ref.includes('..')) throw new Error(`not a bundle reference: "${ref}"`);
  return join(modelsDir, ref);
}

export async function readRegistry(modelsDir: string): Promise<Registry> {
  const path = join(modelsDir, REGISTRY_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyRegistry();
    throw e;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  const parsed = RegistrySchema.safeParse(json);
  if (!parsed.success) throw new Error(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export async function writeRegistry(modelsDir: string, reg: Registry): Promise<void> {
  await mkdir(modelsDir, { recursive: true });
  const path = join(modelsDir, REGISTRY_FILE);
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const bounded = reg.history.length > MAX_HISTORY ? { ...reg, history: reg.history.slice(-MAX_HISTORY) } : reg;
  await writeFile(tmp, `${JSON.stringify(RegistrySchema.parse(bounded), null, 2)}\n`);
  await rename(tmp, path);
}

/** Adds a bundle; it becomes champion when it is the first one or when `promote` is set. */
export async function registerBundle(modelsDir: string, entry: RegistryEntry, promote: boolean, now = new Date()): Promise<Registry> {
  const reg = await readRegistry(modelsDir);
  reg.bundles = reg.bundles.filter((b) => b.ref !== entry.ref).concat(entry);
  reg.history.push({ ref: entry.ref, action: 'register', at: now.toISOString() });
  if (promote || reg.champion === null) {
    reg.champion = entry.ref;
    reg.history.push({ ref: entry.ref, action: 'promote', at: now.toISOString() });
  }
  await writeRegistry(modelsDir, reg);
  return reg;
}

/** Marks `ref` champion (or challenger); a no-op when it already is. The caller validates the bundle before calling this. */
export async function promote(
  modelsDir: string,
  ref: string,
  as: 'champion' | 'challenger' = 'champion',
  now = new Date(),
): Promise<Registry> {
  const reg = await readRegistry(modelsDir);
  if (!reg.bundles.some((b) => b.ref === ref)) throw new Error(`no bundle "${ref}" in the registry`);
  if (as === 'challenger' && reg.champion === ref) throw new Error(`${ref} is the champion; it cannot also be its challenger`);
  // Already so: nothing to record (a retried or repeated promotion would otherwise grow the history).
  if (reg[as] === ref) return reg;
  if (as === 'champion') {
    reg.champion = ref;
    if (reg.challenger === ref) reg.challenger = null;
  } else reg.challenger = ref;
  reg.history.push({ ref, action: as === 'champion' ? 'promote' : 'challenger', at: now.toISOString() });
  await writeRegistry(modelsDir, reg);
  return reg;
}

/** Loads whatever the registry names champion. */
export async function championDir(modelsDir: string): Promise<string | null> {
  const reg = await readRegistry(modelsDir);
  return reg.champion ? bundleDir(modelsDir, reg.champion) : null;
}
