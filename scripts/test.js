#!/usr/bin/env node
// The test command: installs the Debian packages the tests need, type-checks, lints, then runs
// every test file with the Node test runner. Usage: npm test [-- <file or directory> ...]
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);
const args = process.argv.slice(2);
const paths = args.filter((a) => !a.startsWith('--'));
const ci = process.env.CI === 'true';

function step(name, cmd, cmdArgs, env) {
  const started = Date.now();
  process.stdout.write(`\n== ${name}\n`);
  const r = spawnSync(cmd, cmdArgs, { stdio: 'inherit', env: { ...process.env, ...env } });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    process.stdout.write(`== ${name} failed (${secs} s)\n`);
    process.exit(r.status ?? 1);
  }
  process.stdout.write(`== ${name} ok (${secs} s)\n`);
}

function missingPackages() {
  const wanted = readFileSync('scripts/debian-packages.txt', 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
  return wanted.filter((p) => {
    try {
      const out = execFileSync('dpkg-query', ['-W', '-f=${Status}', p], { stdio: ['ignore', 'pipe', 'ignore'] });
      return !String(out).includes('install ok installed');
    } catch {
      return true;
    }
  });
}

function ensurePackages() {
  const missing = missingPackages();
  if (missing.length === 0) return;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot) {
    const msg = `missing Debian packages (run as root to install): ${missing.join(' ')}`;
    if (ci) {
      console.error(msg);
      process.exit(1);
    }
    console.warn(`warning: ${msg}; interop tests that need them will be skipped`);
    return;
  }
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  step('apt-get update', 'apt-get', ['update', '-qq'], env);
  step(`apt-get install ${missing.join(' ')}`, 'apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], env);
}

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name === 'fixtures' || name.startsWith('.')) continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) collect(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

ensurePackages();
if (paths.length === 0) {
  step('typecheck', process.execPath, ['node_modules/typescript7/bin/tsc', '-p', 'tsconfig.json', '--noEmit']);
  step('build', process.execPath, ['node_modules/typescript7/bin/tsc', '-p', 'tsconfig.build.json']);
  step('lint', process.execPath, ['node_modules/eslint/bin/eslint.js', '.']);
}
const files = (paths.length ? paths : ['src', 'test']).flatMap((p) =>
  statSync(p).isDirectory() ? collect(p, []) : [p],
);
files.sort();
step(`node --test (${files.length} files)`, process.execPath, [
  '--import',
  'tsx',
  '--test',
  '--test-reporter=dot',
  '--test-reporter-destination=stdout',
  '--test-concurrency=2',
  '--test-timeout=240000',
  ...files,
]);
