/**
 * `torrentkit create` on a 1 GiB file against mktorrent (same piece length, same thread count)
 * and against the machine's SHA-1 throughput (sha1sum of the same file, times the cores used).
 * Goal: no slower than mktorrent. Also v2 and hybrid creation against libtorrent's
 * create_torrent (python3-libtorrent) for the same file and piece length.
 *
 * The file is generated in a temp dir and deleted afterwards. Every run reads it from the page
 * cache (it was just written), the same for every contender; runs alternate and medians are kept.
 */
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { decodeWithRaw } from '../src/codecs/bencode/decode.js';
import { sha1 } from '../src/util/sha.js';
import { toHex } from '../src/util/bytes.js';
import { printReport, type Row } from './lib/report.js';
import { median } from './lib/timing.js';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'bin/torrentkit.js');
const SIZE = 1024 * 1024 * 1024;
const PIECE_LOG2 = 18; // 256 KiB, mktorrent's default
const THREADS = availableParallelism();
const ROUNDS = 5;
const MB = SIZE / 1e6;

function available(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

const GNU_TIME = available('/usr/bin/time', ['-f', '%U', 'true']);
/** CPU seconds (user + system) and peak RSS (MiB) of each run of each contender, when GNU time is installed. */
const cpu = new Map<string, number[]>();
const rss = new Map<string, number[]>();

/** Runs a command and returns its wall time in ms (throws when it fails); records its CPU time. */
function timed(key: string, cmd: string, args: string[], cwd: string): number {
  const [c, a] = GNU_TIME ? ['/usr/bin/time', ['-f', 'CPU %U %S %M', cmd, ...args]] : [cmd, args];
  const start = performance.now();
  const r = spawnSync(c, a, { cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  const m = /CPU ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(r.stderr);
  if (m) {
    cpu.set(key, [...(cpu.get(key) ?? []), Number(m[1]) + Number(m[2])]);
    rss.set(key, [...(rss.get(key) ?? []), Number(m[3]) / 1024]);
  }
  return ms;
}

function infoHashOf(file: string): string {
  return toHex(sha1(decodeWithRaw(readFileSync(file), ['info']).raw.get('info')!));
}

const dir = mkdtempSync(join(tmpdir(), 'tk-bench-create-'));
try {
  const data = join(dir, 'big.bin');
  const fd = openSync(data, 'w');
  const chunk = Buffer.alloc(64 * 1024 * 1024);
  for (let off = 0; off < SIZE; off += chunk.length) writeSync(fd, randomFillSync(chunk));
  closeSync(fd);

  const ours = (version: string) => () =>
    timed(`ours-${version}`, process.execPath, [CLI, 'create', data, '-l', String(2 ** PIECE_LOG2), '-t', String(THREADS), `--${version}`, '-o', join(dir, `tk-${version}.torrent`), '-f'], dir);
  const mktorrent = () => {
    rmSync(join(dir, 'mk.torrent'), { force: true });
    return timed('mktorrent', 'mktorrent', ['-l', String(PIECE_LOG2), '-t', String(THREADS), '-o', join(dir, 'mk.torrent'), data], dir);
  };
  const sha1sum = () => timed('sha1sum', 'sha1sum', [data], dir);
  const ltScript = join(dir, 'lt.py');
  writeFileSync(
    ltScript,
    [
      'import sys, libtorrent as lt',
      'fs = lt.file_storage(); lt.add_files(fs, sys.argv[1])',
      'flags = lt.create_torrent.v2_only if sys.argv[2] == "v2" else 0',
      `ct = lt.create_torrent(fs, ${2 ** PIECE_LOG2}, flags=flags)`,
      'lt.set_piece_hashes(ct, sys.argv[3])',
      'open(sys.argv[4], "wb").write(lt.bencode(ct.generate()))',
    ].join('\n'),
  );
  const libtorrent = (version: string) => () => timed(`lt-${version}`, '/usr/bin/python3', [ltScript, data, version, dir, join(dir, `lt-${version}.torrent`)], dir);

  const haveMk = available('mktorrent', ['-h']);
  const haveSha = available('sha1sum', ['--version']);
  const haveLt = available('/usr/bin/python3', ['-c', 'import libtorrent']);
  const samples = new Map<string, number[]>();
  const add = (k: string, ms: number) => samples.set(k, [...(samples.get(k) ?? []), ms]);
  ours('v1')(); // warm-up: page cache and the CLI's first start
  cpu.clear();
  rss.clear();
  for (let i = 0; i < ROUNDS; i++) {
    add('ours-v1', ours('v1')());
    if (haveMk) add('mktorrent', mktorrent());
    if (haveSha) add('sha1sum', sha1sum());
  }
  for (let i = 0; i < Math.max(1, ROUNDS - 2); i++) {
    for (const v of ['v2', 'hybrid']) {
      add(`ours-${v}`, ours(v)());
      if (haveLt) add(`lt-${v}`, libtorrent(v)());
    }
  }
  if (haveMk && infoHashOf(join(dir, 'mk.torrent')) !== infoHashOf(join(dir, 'tk-v1.torrent'))) throw new Error('info hashes differ from mktorrent');
  const rate = (k: string) => (samples.has(k) ? MB / (median(samples.get(k)!) / 1000) : undefined);
  const rows: Row[] = [
    { metric: `create v1, 1 GiB, 256 KiB pieces, ${THREADS} threads`, unit: 'MB/s', ours: rate('ours-v1')!, anchor: `mktorrent -t ${THREADS}`, theirs: rate('mktorrent'), higherIsBetter: true, goal: { ratio: 1, text: '>= 1x' } },
    { metric: `create v1, 1 GiB vs SHA-1 throughput x ${THREADS} cores`, unit: 'MB/s', ours: rate('ours-v1')!, anchor: `sha1sum x ${THREADS}`, theirs: haveSha ? rate('sha1sum')! * THREADS : undefined, higherIsBetter: true },
    { metric: 'create v2, 1 GiB, 256 KiB pieces', unit: 'MB/s', ours: rate('ours-v2')!, anchor: 'libtorrent 2.0 create_torrent', theirs: rate('lt-v2'), higherIsBetter: true },
    { metric: 'create hybrid, 1 GiB, 256 KiB pieces', unit: 'MB/s', ours: rate('ours-hybrid')!, anchor: 'libtorrent 2.0 create_torrent', theirs: rate('lt-hybrid'), higherIsBetter: true },
  ];
  const cpuOf = (k: string) => (cpu.has(k) ? median(cpu.get(k)!) : undefined);
  if (cpu.has('ours-v1')) {
    // On a shared machine wall time depends on what else runs; CPU time per GiB does not.
    rows.push(
      { metric: 'create v1, 1 GiB: CPU time (user + system)', unit: 's', ours: cpuOf('ours-v1')!, anchor: `mktorrent -t ${THREADS}`, theirs: cpuOf('mktorrent'), higherIsBetter: false },
      { metric: 'create hybrid, 1 GiB: CPU time (user + system)', unit: 's', ours: cpuOf('ours-hybrid')!, anchor: 'libtorrent 2.0 create_torrent', theirs: cpuOf('lt-hybrid'), higherIsBetter: false },
    );
    const rssOf = (k: string) => (rss.has(k) ? Math.max(...rss.get(k)!) : undefined);
    rows.push(
      { metric: 'create v1, 1 GiB: peak RSS (Node runtime included)', unit: 'MiB', ours: rssOf('ours-v1')!, anchor: `mktorrent -t ${THREADS}`, theirs: rssOf('mktorrent'), higherIsBetter: false },
      { metric: 'create hybrid, 1 GiB: peak RSS', unit: 'MiB', ours: rssOf('ours-hybrid')!, anchor: 'libtorrent 2.0 (python)', theirs: rssOf('lt-hybrid'), higherIsBetter: false },
    );
  }
  printReport('create (1 GiB file from the page cache)', rows);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
