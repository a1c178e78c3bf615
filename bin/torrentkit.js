#!/usr/bin/env -S node --max-semi-space-size=1 --max-old-space-size=1024
// Entry point of the `torrentkit` command. The TypeScript sources are compiled to dist/ and the
// CLI bundled into dist/cli/ on `npm ci` / `npm install` (the `prepare` script, scripts/build.js).
// Heap flags for a lean long-running process (measured on a 1 GiB download: peak RSS ~95 MB
// instead of ~125 MB, same CPU):
// --max-semi-space-size=1 (MiB): V8's young generation otherwise grows to 32 MiB under the
//   steady allocation of a fast download and holds its dead objects until a scavenge.
// --max-old-space-size=1024 (MiB): with a heap limit of 1 GiB or less V8 grows the old
//   generation by a small factor between full collections instead of up to 4x, so garbage
//   promoted from the young generation is collected sooner. A tracker that keeps millions of
//   peers in memory needs more: run `node --max-old-space-size=8192 <this file> tracker ...`.
// The commands that transfer data (download, seed, stream) also set V8's heap growing factor to
// 3 at run time (see growHeapForTransfers in src/apps/cli/client-options.ts).
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
