#!/usr/bin/env -S node --max-semi-space-size=1 --max-old-space-size=1024 --heap-growing-percent=200
// Entry point of the `torrentkit` command. The TypeScript sources are compiled to dist/ on
// `npm ci` / `npm install` (the `prepare` script).
// Heap flags for a lean long-running process (measured on a 1 GiB download: peak RSS ~95 MB
// instead of ~125 MB, same CPU):
// --max-semi-space-size=1 (MiB): V8's young generation otherwise grows to 32 MiB under the
//   steady allocation of a fast download and holds its dead objects until a scavenge.
// --max-old-space-size=1024 (MiB): with a heap limit of 1 GiB or less V8 grows the old
//   generation by a small factor between full collections instead of up to 4x, so garbage
//   promoted from the young generation is collected sooner. A tracker that keeps millions of
//   peers in memory needs more: run `node --max-old-space-size=8192 <this file> tracker ...`.
// --heap-growing-percent=200: but not that small a factor. Piece buffers that a download drops
//   (received on incoming connections, evicted from the read cache) count against the old
//   generation's limit as external memory, and with the factor of a 1 GiB limit (~1.6) a leecher
//   that also uploads ran ~35 full collections per 256 MiB. Growing 3x: ~16, and 15-20% less CPU
//   and time in a swarm of nine processes on two cores, for ~9 MB more peak RSS.
import { main } from '../dist/src/apps/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
