/**
 * Helpers for tests that need real programs (interop peers, Debian tools). Outside CI a missing
 * program skips the test with a reason; under CI=true it is a failure, so CI never passes by
 * skipping.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';

export const ROOT = resolve(import.meta.dirname, '../..');
/** Debian's python with its modules (python3 on PATH may be another build). */
export const PYTHON = '/usr/bin/python3';

function has(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 20_000 });
  return r.status === 0;
}

const cache = new Map<string, boolean>();

/** Checks that a program is available; skips (or fails under CI) when it is not. */
export function requireTool(t: TestContext, name: string, probe: [string, string[]] = [name, ['--version']]): boolean {
  let ok = cache.get(name);
  if (ok === undefined) {
    ok = has(probe[0], probe[1]);
    cache.set(name, ok);
  }
  if (ok) return true;
  if (process.env.CI === 'true') throw new Error(`${name} is required under CI but is not installed`);
  t.skip(`${name} is not installed`);
  return false;
}

/** Checks that Debian's python3-libtorrent imports. */
export function requireLibtorrent(t: TestContext): boolean {
  return requireTool(t, 'python3-libtorrent', [PYTHON, ['-c', 'import libtorrent']]);
}

/**
 * A fresh temporary directory, removed when the test ends. `after` hooks run in the order they
 * were registered, so this one can run before the hook that stops a process still writing into
 * the folder: the removal retries, and a folder it still cannot remove is left behind rather than
 * failing the test (a failed hook would also skip the hooks after it, leaving processes running).
 */
export function tempDir(t: TestContext, prefix = 'tk-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
    } catch (err) {
      console.error(`could not remove ${dir}: ${(err as Error).message}`);
    }
  });
  return dir;
}

/** Runs the built CLI (bin/torrentkit.js, compiled by the build step) synchronously. */
export function runCli(args: string[], options: { cwd?: string; input?: string; timeoutMs?: number } = {}) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/torrentkit.js'), ...args], {
    cwd: options.cwd ?? ROOT,
    input: options.input,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
