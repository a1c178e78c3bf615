/**
 * How benchmarks start the CLI: as `npx torrentkit` does, through bin/torrentkit.js's shebang, so
 * the node flags it sets apply (spawned as `node <flags> bin/torrentkit.js`, which needs no
 * executable bit).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../test/helpers/tools.js';

export const CLI = join(ROOT, 'bin/torrentkit.js');

/** Node's flags from the shebang line (`#!/usr/bin/env -S node --flag ...`). */
export function cliNodeFlags(): string[] {
  const first = readFileSync(CLI, 'utf8').split('\n', 1)[0];
  const m = /^#!.*?\bnode\b(.*)$/.exec(first);
  return m ? m[1].trim().split(/\s+/).filter(Boolean) : [];
}

/** argv for spawn(process.execPath, ...) running the CLI with `args`. */
export function cliArgs(args: readonly string[]): string[] {
  return [...cliNodeFlags(), CLI, ...args];
}
