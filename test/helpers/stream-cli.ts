/**
 * Helpers for tests that run the built CLI (`stream`, `download`, `seed`): a torrent of a folder on
 * disk, and the CLI run asynchronously (a seeder may live in the test process, so the test must not
 * block on the child).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { NodeContentSource } from '../../src/adapters/node/content-source.js';
import { HashPool } from '../../src/adapters/node/hash-pool.js';
import { createTorrent } from '../../src/engines/create/create.js';
import { ROOT } from './tools.js';

export async function torrentOf(input: string, pieceLength: number): Promise<Uint8Array> {
  const hasher = new HashPool({ threads: 2 });
  try {
    return (await createTorrent({ input, pieceLength, version: 'v1' }, { source: new NodeContentSource(), hasher })).torrent;
  } finally {
    await hasher.close();
  }
}

export interface CliRun {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
  /** The exit code, or 'still running' when the process has not exited within `ms`. */
  exitWithin(ms: number): Promise<number | null | 'still running'>;
  /** Resolves with the first stdout match of `re`. */
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
}

/** Starts the built CLI; the caller kills it (by pid) or waits for `exit`. */
export function startCli(args: string[], cwd: string): CliRun {
  const child = spawn(process.execPath, [join(ROOT, 'bin/torrentkit.js'), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const chunks: Buffer[] = [];
  child.stdout!.on('data', (c: Buffer) => {
    chunks.push(c);
    out += c.toString('latin1');
  });
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exit,
    async exitWithin(ms) {
      let timer: NodeJS.Timeout | undefined;
      try {
        return await Promise.race([exit, new Promise<'still running'>((r) => (timer = setTimeout(() => r('still running'), ms)))]);
      } finally {
        clearTimeout(timer);
      }
    },
    waitFor(re, ms = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${re} in output: ${out} ${err}`)), ms);
        const check = () => {
          const m = re.exec(out);
          if (m) {
            clearTimeout(timer);
            child.stdout!.off('data', check);
            resolve(m);
          }
        };
        child.stdout!.on('data', check);
        void exit.then(() => {
          clearTimeout(timer);
          reject(new Error(`exited before ${re}: ${out} ${err}`));
        });
        check();
      });
    },
  };
}

/** Runs a program to completion; resolves with its exit code and output. */
export function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
