/**
 * npm run keys -- [--name <name>] [--roles scorer,collector,admin] [--collectors id,id|*] [<key> | -]
 *
 * Prints the SHA-256 of an API key and the ARREARS_API_KEYS entry that configures it. Without a
 * key it generates a random one (32 bytes, base64url) and prints it once: only the hash is stored
 * in configuration, so keep the key itself somewhere safe. Reading the key from stdin (`-`) keeps
 * it out of the shell history. --collectors lets a collector key act for other collector ids (a
 * collection system serving many agents); without it the key claims and reports as its own name.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sha256Hex } from '../src/api/plugins/auth.js';
import { ApiKeyEntry } from '../src/config.js';
import { listValue, parseCommand, UsageError } from '../src/cli/args.js';

const { values, positionals } = parseCommand({
  name: 'keys',
  summary: "Prints an API key's SHA-256 and its ARREARS_API_KEYS entry; without a key, generates one and prints it once.",
  options: {
    name: {
      type: 'string',
      value: '<name>',
      default: 'default',
      description: "the key's name; a collector key claims and reports as this name",
    },
    roles: { type: 'string', value: '<role,...>', default: 'scorer', description: 'scorer, collector, admin, manager (comma-separated)' },
    collectors: {
      type: 'string',
      value: '<id,...|*>',
      description: 'collector ids this key may act for (a dialer serving many agents); * for any',
    },
  },
  positionals: [{ name: '<key> | -', description: 'the key to hash; - reads it from stdin (keeps it out of the shell history)' }],
  notes:
    'examples:\n  npm run keys -- --name lender-a --roles scorer\n  echo -n "$KEY" | npm run keys -- --name ops --roles admin,scorer -',
});
const given = positionals[0] === '-' ? readFileSync(0, 'utf8').trim() : positionals[0];
const key = given ?? randomBytes(32).toString('base64url');
const entry = ApiKeyEntry.safeParse({
  name: values.name,
  sha256: sha256Hex(key),
  roles: listValue(values.roles),
  ...(values.collectors ? { collectors: listValue(values.collectors) } : {}),
});
if (!entry.success) throw new UsageError(entry.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('; '));
if (!given) console.log(`key (shown once; give it to the client):\n  ${key}\n`);
console.log(`sha256:\n  ${entry.data.sha256}\n`);
console.log(`ARREARS_API_KEYS entry:\n  ${JSON.stringify(entry.data)}`);
