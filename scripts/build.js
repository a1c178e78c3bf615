#!/usr/bin/env node
/**
 * The build: TypeScript compiles src/ to dist/src/ (the library: `import { Client } from
 * 'torrentkit'`, with its .d.ts files), then esbuild bundles the CLI from that output into
 * dist/cli/, which bin/torrentkit.js runs.
 *
 * Why bundles for the CLI: Node resolves, reads and links every ES module of an import graph one
 * file at a time, and `torrentkit download` loads some 150 of the 220 compiled modules. Bundled,
 * with comments and indentation left out (names kept, so stack traces and `--debug` output stay
 * readable), a download starts with ~0.06-0.09 s less CPU (a 32 MiB download: 0.41 s against
 * 0.50 s of user CPU in four runs each, 0.45 s against 0.51 s in five alternating pairs), which
 * nine processes starting at once on two cores (the swarm bench) feel most.
 *
 * Each command is one file of its own (dist/cli/<command>.js, with everything it uses), and
 * main.js, the dispatcher, loads only the one that runs (`commands.ts` imports each lazily). A
 * bundle split into chunks shared between commands costs more: the download command's code in
 * 17 chunks took ~50 ms of CPU to import, in one file ~27 ms (four runs each). The price is
 * that code the commands share is on disk once per command, and main.js has its own copy of the
 * few modules it uses (the error class: see isTorrentkitError).
 *
 * Worker threads start from files next to the module that starts them
 * (`new URL('./hash-worker.js', import.meta.url)`): the worker modules are bundles of their own
 * with their plain names, in the same folder as the commands, so those URLs hold.
 * Packages from node_modules (ws, better-sqlite3, ioredis) stay outside the bundles.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'dist/cli');

/** Worker modules of dist/src, each started from a file of its own (see above). */
const WORKERS = ['adapters/node/hash-worker.js', 'adapters/node/sqlite-writer.js'];
const CLI_DIR = join(ROOT, 'dist/src/apps/cli');

const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript7/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

// The command modules are the ones commands.js imports lazily: `import('./download.js')`.
const COMMANDS = [...readFileSync(join(CLI_DIR, 'commands.js'), 'utf8').matchAll(/import\(['"]\.\/([\w-]+\.js)['"]\)/g)].map((m) => m[1]);
if (COMMANDS.length === 0) throw new Error('build: no command imports found in commands.js');

/** Keeps main.js's lazy imports of the commands as imports of their bundles, next to it. */
const commandsExternal = {
  name: 'commands-external',
  setup(b) {
    b.onResolve({ filter: /^\.\/[\w-]+\.js$/ }, (args) =>
      args.importer === join(CLI_DIR, 'commands.js') && COMMANDS.includes(args.path.slice(2)) ? { path: args.path, external: true } : undefined,
    );
  },
};

const common = {
  outdir: OUT,
  entryNames: '[name]',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  minifyWhitespace: true,
  legalComments: 'none',
  sourcemap: 'linked',
  logLevel: 'warning',
};

rmSync(OUT, { recursive: true, force: true });
await Promise.all([
  build({ ...common, entryPoints: [join(CLI_DIR, 'main.js')], plugins: [commandsExternal] }),
  // One build per command: what it imports lazily (the tracker's SQLite and Redis stores) stays
  // in chunks of its own, loaded only when used, while nothing is shared with other commands.
  // Chunk names are hashes of their content, so two builds that emit the same chunk agree.
  ...COMMANDS.map((c) => build({ ...common, entryPoints: [join(CLI_DIR, c)], splitting: true, chunkNames: 'chunk-[hash]' })),
  build({ ...common, entryPoints: WORKERS.map((w) => join(ROOT, 'dist/src', w)) }),
]);
