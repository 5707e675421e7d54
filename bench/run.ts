/**
 * `make bench`: runs every bench/*.bench.ts in its own Node process, one
 * after the other, each printing its table and a final JSON line. Exits
 * non-zero if any benchmark fails.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const folder = fileURLToPath(new URL('.', import.meta.url));
const benches = readdirSync(folder)
  .filter((name) => name.endsWith('.bench.ts'))
  .sort();

const failed: string[] = [];
for (const name of benches) {
  console.log(`== ${name}`);
  const started = performance.now();
  const run = spawnSync(process.execPath, ['--import', 'tsx', `${folder}${name}`], {
    stdio: 'inherit',
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`== ${name}: ${run.status === 0 ? 'done' : 'FAILED'} in ${seconds} s`);
  if (run.status !== 0) failed.push(name);
}
if (failed.length > 0) {
  console.error(`failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
