/**
 * npx tsx scripts/hash-key.ts [--name <name>] [--roles scorer,collector,admin] [--collectors id,id|*] [<key>]
 *
 * Prints the SHA-256 of an API key and the ARREARS_API_KEYS entry that configures it. Without a
 * key it generates a random one (32 bytes, base64url) and prints it once: only the hash is stored
 * in configuration, so keep the key itself somewhere safe. Reading the key from stdin (`-`) keeps
 * it out of the shell history. --collectors lets a collector key act for other collector ids (a
 * collection system serving many agents); without it the key claims and reports as its own name.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { sha256Hex } from '../src/api/plugins/auth.js';
import { ApiKeyEntry } from '../src/config.js';

const { values, positionals } = parseArgs({
  options: { name: { type: 'string', default: 'default' }, roles: { type: 'string', default: 'scorer' }, collectors: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  allowPositionals: true,
});
if (values.help) {
  console.log('usage: npx tsx scripts/hash-key.ts [--name <name>] [--roles scorer,collector,admin] [--collectors id,id|*] [<key> | -]');
  process.exit(0);
}
const given = positionals[0] === '-' ? readFileSync(0, 'utf8').trim() : positionals[0];
const key = given ?? randomBytes(32).toString('base64url');
const list = (v: string) => v.split(',').map((r) => r.trim());
const entry = ApiKeyEntry.safeParse({ name: values.name, sha256: sha256Hex(key), roles: list(values.roles!), ...(values.collectors ? { collectors: list(values.collectors) } : {}) });
if (!entry.success) {
  console.error(entry.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('\n'));
  process.exit(2);
}
if (!given) console.log(`key (shown once; give it to the client):\n  ${key}\n`);
console.log(`sha256:\n  ${entry.data.sha256}\n`);
console.log(`ARREARS_API_KEYS entry:\n  ${JSON.stringify(entry.data)}`);
