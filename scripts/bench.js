#!/usr/bin/env node
// `npm run bench [-- name ...]`: runs bench/*.bench.ts one after another (or the named ones) and
// prints each figure beside the anchor's from the same run.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);
const wanted = process.argv.slice(2);
const all = readdirSync('bench').filter((f) => f.endsWith('.bench.ts')).sort();
const files = wanted.length ? all.filter((f) => wanted.some((w) => f.includes(w))) : all;
let failed = 0;
for (const f of files) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', `bench/${f}`], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`bench/${f} failed with status ${r.status}`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
