#!/usr/bin/env -S node --max-semi-space-size=1
// Entry point of the `torrentkit` command. The TypeScript sources are compiled to dist/ on
// `npm ci` / `npm install` (the `prepare` script).
// --max-semi-space-size=1 (MiB): V8's young generation otherwise grows to 32 MiB under the
// steady allocation of a fast download and holds its dead objects until a scavenge; a small one
// is scavenged more often, costs no more CPU here (the survivors are few) and keeps a 1 GiB
// download's peak memory some 30 MB lower.
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
