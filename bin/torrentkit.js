#!/usr/bin/env node
// Entry point of the `torrentkit` command. The TypeScript sources are compiled to dist/ on
// `npm ci` / `npm install` (the `prepare` script).
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
