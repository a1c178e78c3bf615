#!/usr/bin/env node
// The test command: installs the Debian packages the tests need, type-checks, lints, then runs
// every test file with the Node test runner. Usage: npm test [-- <file or directory> ...]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
  step('build', process.execPath, ['scripts/build.js']);
  step('lint', process.execPath, ['node_modules/eslint/bin/eslint.js', '.']);
}
// Tests that run alone, after the parallel phase: real clients that stall when the machine is
// saturated (WebRTC peers, network namespaces). Those with a variable skip unless it is set (it
// is set here); those with null always run.
const SERIAL = {
  'test/interop/tracker-webtorrent.test.ts': null,
  'test/interop/tracker-transmission.test.ts': 'TORRENTKIT_NETNS_TESTS',
};
const files = (paths.length ? paths : ['src', 'test']).flatMap((p) =>
  statSync(p).isDirectory() ? collect(p, []) : [p],
);
files.sort();
const serial = paths.length ? [] : files.filter((f) => f in SERIAL);
const parallel = files.filter((f) => !serial.includes(f));
// Each run also writes TAP to a file, so that the totals of all runs can be printed at the end.
const tapDir = mkdtempSync(join(tmpdir(), 'torrentkit-test-'));
let runs = 0;
const runner = (concurrency) => [
  '--import',
  'tsx',
  '--test',
  '--test-reporter=dot',
  '--test-reporter-destination=stdout',
  '--test-reporter=tap',
  `--test-reporter-destination=${join(tapDir, `run${runs++}.tap`)}`,
  `--test-concurrency=${concurrency}`,
  '--test-timeout=240000',
];
const totals = { pass: 0, fail: 0, skipped: 0 };
function addTotals() {
  for (const f of readdirSync(tapDir)) {
    const tap = readFileSync(join(tapDir, f), 'utf8');
    for (const key of Object.keys(totals)) {
      const m = new RegExp(`^# ${key} (\\d+)$`, 'm').exec(tap);
      if (m) totals[key] += Number(m[1]);
    }
  }
}
process.on('exit', () => {
  try {
    addTotals();
    process.stdout.write(`\n${totals.pass} passed, ${totals.fail} failed, ${totals.skipped} skipped\n`);
    rmSync(tapDir, { recursive: true, force: true });
  } catch {
    // Totals are informative only.
  }
});
step(`node --test (${parallel.length} files)`, process.execPath, [...runner(2), ...parallel]);
for (const f of serial) {
  step(`node --test ${f} (alone)`, process.execPath, [...runner(1), f], SERIAL[f] ? { [SERIAL[f]]: '1' } : {});
}
