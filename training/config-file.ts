/** Reads and validates a dataset config file; errors name the file and the field. */
import { readFile } from 'node:fs/promises';
import { DatasetConfig, formatIssues } from '../src/domain/dataset-config.js';

export class ConfigFileError extends Error {
  override name = 'ConfigFileError';
}

export async function readDatasetConfig(path: string): Promise<{ cfg: DatasetConfig; text: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ConfigFileError(`${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigFileError(`${path}: not valid JSON: ${(e as Error).message}`);
  }
  const parsed = DatasetConfig.safeParse(json);
  if (!parsed.success)
    throw new ConfigFileError(`${path} is not a valid dataset config:\n  ${formatIssues(parsed.error.issues).join('\n  ')}`);
  return { cfg: parsed.data, text };
}
