/**
 * npm run bench: every benchmark in turn (accuracy, API, worker), each printing its figures beside
 * its in-run reference. Arguments after `--` go to each of them (e.g. `-- --json`). The 1M-account
 * memory benchmark needs generated data and runs separately: npm run bench:memory.
 */
import { spawnSync } from 'node:child_process';

const extra = process.argv.slice(2);
let failed = 0;
for (const name of ['bench:accuracy', 'bench:api', 'bench:worker']) {
  process.stderr.write(`\n### npm run ${name} ${extra.join(' ')}\n`);
  const r = spawnSync('npm', ['run', '--silent', name, '--', ...extra], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`${name} failed (exit ${r.status})\n`);
  }
}
process.exit(failed ? 1 : 0);
