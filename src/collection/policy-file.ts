/** Reads and validates the collection policy file named by the config (ARREARS_POLICY_FILE). */
import { readFile } from 'node:fs/promises';
import { parsePolicy, PolicyError, type Policy } from '../domain/collection/policy.js';

export async function loadPolicyFile(path: string): Promise<Policy> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new PolicyError(`${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (e as Error).message}`);
  }
  return parsePolicy(json, path);
}
