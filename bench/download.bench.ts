/**
 * Downloads over loopback, torrentkit against libtorrent, aria2 and WebTorrent in the same run.
 * 1. One libtorrent seeder (seed mode, 127.0.0.1, discovery off) and DOWNLOAD_BENCH_MIB (default
 *    1024) MiB of random data; each leecher downloads it alone, one after another, in its own
 *    process: torrentkit (the CLI), libtorrent (python3-libtorrent), aria2c, webtorrent (library).
 *    Figures: wall time from spawn to "done" (every piece verified and written) as MiB/s, and the leecher's
 *    peak RSS (VmHWM from /proc, polled). Each leecher runs DOWNLOAD_BENCH_ROUNDS (default 2)
 *    times in alternating order; its fastest run counts. The swarms too.
 * 2. A swarm of one seeder and eight leechers on distinct 127.0.0.x addresses, SWARM_BENCH_MIB
 *    (default 256) MiB, through opentracker: all-torrentkit against all-libtorrent; time until every
 *    leecher is done (leechers keep seeding to the others until then), and the CPU time (user +
 *    system, all threads) its nine processes used until then (lowest of the rounds): nine
 *    processes on this machine's two cores make the swarm CPU-bound, so this is the work each
 *    engine does for the same transfer.
 *    Beside them, for reference, the floor of any Node program on this machine: the same byte
 *    flows with no BitTorrent logic (bench/lib/swarm-floor.mjs), also one process per peer. It
 *    shows how much of the time is the engine's own work rather than Node's or the kernel's.
 * Usage: npm run bench -- download   (DOWNLOAD_BENCH_ONLY=single|swarm to run one part)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { decode } from '../src/codecs/bencode/decode.js';
import { encode } from '../src/codecs/bencode/encode.js';
import type { BDict } from '../src/codecs/bencode/types.js';
import { parseMetainfo } from '../src/codecs/metainfo/index.js';
import { freePort, startOpentracker } from '../test/helpers/trackers.js';
import { PYTHON, ROOT } from '../test/helpers/tools.js';
import { CLI, cliNodeFlags } from './lib/cli.js';
import { printReport, type Row } from './lib/report.js';

const MIB = 1024 * 1024;
const SINGLE_MIB = Number(process.env.DOWNLOAD_BENCH_MIB ?? 1024);
const SWARM_MIB = Number(process.env.SWARM_BENCH_MIB ?? 256);
const LEECHERS = 8;
/** Runs of each single-peer leecher (DOWNLOAD_BENCH_ROUNDS); the fastest counts. */
const ROUNDS = Math.max(1, Number(process.env.DOWNLOAD_BENCH_ROUNDS ?? 2));
const TIMEOUT_MS = 600_000;
const ONLY = process.env.DOWNLOAD_BENCH_ONLY;
const CLI_FLAGS = cliNodeFlags();
const LT = join(ROOT, 'bench/lib/lt_peer.py');
const WT = join(ROOT, 'bench/lib/webtorrent-leech.mjs');
const FLOOR = join(ROOT, 'bench/lib/swarm-floor.mjs');

const work = mkdtempSync(join(tmpdir(), 'tk-dlbench-'));
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of running) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

interface Peer {
  proc: ChildProcess;
  /** Resolves when a stdout line matches. */
  line(re: RegExp): Promise<string>;
  /** Highest VmHWM seen, bytes. */
  peakRss(): number;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

function run(cmd: string, args: string[], env: Record<string, string> = {}): Peer {
  const proc = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  running.add(proc);
  let peak = 0;
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
    } catch {
      /* exited */
    }
  }, 50);
  let stderr = '';
  proc.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  createInterface({ input: proc.stdout! }).on('line', (l) => {
    lines.push(l);
    for (const w of [...waiters]) {
      if (!w.re.test(l)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(l);
    }
  });
  const exited = new Promise<number | null>((res) =>
    proc.once('exit', (code) => {
      clearInterval(poll);
      running.delete(proc);
      res(code);
    }),
  );
  return {
    proc,
    peakRss: () => peak,
    exited,
    line: (re) => {
      const seen = lines.find((l) => re.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ re, resolve });
        const timer = setTimeout(() => reject(new Error(`${cmd} ${args.join(' ')}: no ${re} in ${TIMEOUT_MS} ms; stderr: ${stderr}`)), TIMEOUT_MS);
        timer.unref();
        void exited.then((code) => reject(new Error(`${cmd} ${args.slice(0, 3).join(' ')} exited ${code} before ${re}; stderr: ${stderr}`)));
      });
    },
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.stdin?.end();
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Random content of `mib` MiB in one file, written in 16 MiB chunks. */
function makeFile(dir: string, name: string, mib: number): void {
  mkdirSync(dir, { recursive: true });
  const fd = openSync(join(dir, name), 'w');
  const chunk = randomBytes(16 * MIB);
  for (let left = mib * MIB; left > 0; left -= chunk.length) {
    chunk[0]++; // pieces differ even when chunks repeat
    writeSync(fd, chunk, 0, Math.min(left, chunk.length));
  }
  closeSync(fd);
}

/** Creates the torrent with torrentkit's CLI; returns its bytes. */
async function makeTorrent(dataDir: string, name: string): Promise<Uint8Array> {
  const out = join(work, `${name}.torrent`);
  const p = run(process.execPath, [...CLI_FLAGS, CLI, 'create', join(dataDir, name), '-o', out, '--no-date']);
  if ((await p.exited) !== 0) throw new Error('create failed');
  return new Uint8Array(readFileSync(out));
}

/** The same torrent (same info hash) with `announce` set. */
function withTracker(torrent: Uint8Array, url: string): Uint8Array {
  const d = decode(torrent) as BDict;
  d.announce = new TextEncoder().encode(url);
  return encode(d);
}

const secs = (ms: number) => ms / 1000;

async function timed(p: Peer, done: RegExp): Promise<{ ms: number; rss: number }> {
  const t0 = performance.now();
  await p.line(done);
  const ms = performance.now() - t0;
  await p.stop();
  return { ms, rss: p.peakRss() };
}

async function single(): Promise<Row[]> {
  const name = `single-${SINGLE_MIB}m.bin`;
  const seedDir = join(work, 'single-seed');
  makeFile(seedDir, name, SINGLE_MIB);
  const bare = await makeTorrent(seedDir, name);
  const meta = parseMetainfo(bare);
  const tracker = await startOpentracker(mkdtempSync(join(work, 'ot-')), [meta.id]);
  const torrentFile = join(work, 'single.torrent');
  writeFileSync(torrentFile, withTracker(bare, `http://127.0.0.1:${tracker.port}/announce`));
  // The seeder checks its data first: every leecher then meets a seeder that has hashed it all.
  const seeder = run(PYTHON, [LT, 'seed', torrentFile, seedDir, '127.0.0.1'], { LT_CHECK: '1' });
  const seedPort = Number((await seeder.line(/^listening/)).split(' ')[1]);
  const peer = `127.0.0.1:${seedPort}`;
  const ariaPort = await freePort();
  const leechers: Record<string, (dir: string) => Peer> = {
    torrentkit: (dir) => run(process.execPath, [...CLI_FLAGS, CLI, 'download', torrentFile, '-o', dir, '--no-dht', '--no-lsd', '--peer', peer, '--port', '0', '--bind', '127.0.0.1', '--json']),
    libtorrent: (dir) => run(PYTHON, [LT, 'leech', torrentFile, dir, '127.0.0.1', peer]),
    aria2: (dir) =>
      run('aria2c', [
        '--enable-dht=false', '--enable-dht6=false', '--bt-enable-lpd=false', '--enable-peer-exchange=false',
        '--seed-time=0', '--file-allocation=none', '--summary-interval=0', '--console-log-level=warn',
        `--listen-port=${ariaPort}`, '-d', dir, torrentFile,
      ]),
    webtorrent: (dir) => run(process.execPath, [WT, torrentFile, dir, peer]),
  };
  // Each leecher runs ROUNDS times, the order reversed every round, and its fastest run counts
  // (peak RSS: its highest): on this shared virtual machine the cost of the page cache a download
  // writes into depends on what ran before, which would otherwise favour a position in the order.
  const results: Record<string, { ms: number; rss: number }> = {};
  const order = Object.keys(leechers);
  for (let round = 0; round < ROUNDS; round++) {
    for (const who of round % 2 === 0 ? order : [...order].reverse()) {
      const dir = join(work, `single-${who}`);
      mkdirSync(dir, { recursive: true });
      try {
        const p = leechers[who](dir);
        let r: { ms: number; rss: number };
        // Timed to the moment every piece is verified and written: torrentkit's JSON `verified`
        // line, the "done" that libtorrent (torrent_finished_alert) and webtorrent print, aria2's
        // exit (--seed-time=0). torrentkit then also waits for the disk (fdatasync) and saves its
        // resume data before it exits 0, which the others do not: printed, not counted; the exit
        // code is checked.
        if (who === 'torrentkit') {
          const t0 = performance.now();
          await p.line(/"type":"verified"/);
          const ms = performance.now() - t0;
          const code = await p.exited;
          if (code !== 0) throw new Error(`${who} exited ${code}`);
          console.log(`torrentkit: flushed to disk and exited ${secs(performance.now() - t0 - ms).toFixed(2)} s after verifying`);
          r = { ms, rss: p.peakRss() };
        } else if (who === 'aria2') {
          const t0 = performance.now();
          const code = await p.exited;
          if (code !== 0) throw new Error(`${who} exited ${code}`);
          r = { ms: performance.now() - t0, rss: p.peakRss() };
        } else {
          r = await timed(p, /^done/);
        }
        const best = results[who];
        results[who] = { ms: Math.min(r.ms, best?.ms ?? Infinity), rss: Math.max(r.rss, best?.rss ?? 0) };
        console.log(`${who} (round ${round + 1}): ${SINGLE_MIB} MiB in ${secs(r.ms).toFixed(2)} s = ${(SINGLE_MIB / secs(r.ms)).toFixed(0)} MiB/s, peak RSS ${(r.rss / MIB).toFixed(0)} MiB`);
      } catch (err) {
        console.log(`${who}: failed: ${(err as Error).message}`);
      }
      rmSync(dir, { recursive: true, force: true });
    }
  }
  await seeder.stop();
  await tracker.stop();
  rmSync(seedDir, { recursive: true, force: true });
  const ours = results.torrentkit;
  const rows: Row[] = [];
  for (const who of ['libtorrent', 'aria2', 'webtorrent']) {
    rows.push({
      metric: `${SINGLE_MIB} MiB from a libtorrent seeder`,
      unit: 'MiB/s',
      ours: ours ? SINGLE_MIB / secs(ours.ms) : Number.NaN,
      anchor: who,
      theirs: results[who] ? SINGLE_MIB / secs(results[who].ms) : undefined,
      higherIsBetter: true,
      ...(who === 'libtorrent' ? { goal: { ratio: 1, text: '>= 1x' } } : {}),
    });
  }
  for (const who of ['libtorrent', 'aria2', 'webtorrent']) {
    rows.push({
      metric: `leecher peak RSS, ${SINGLE_MIB} MiB`,
      unit: 'MB',
      ours: ours ? ours.rss / 1e6 : Number.NaN,
      anchor: who,
      theirs: results[who] ? results[who].rss / 1e6 : undefined,
      higherIsBetter: false,
    });
  }
  if (ours) rows.push({ metric: 'leecher peak RSS (goal < 100 MB)', unit: 'MB', ours: ours.rss / 1e6, anchor: 'goal', theirs: 100, higherIsBetter: false, goal: { ratio: 1, text: '< 100 MB' } });
  // Memory must not grow with the torrent: the same download at a quarter of the size.
  const small = ours ? await torrentkitRss(Math.max(1, Math.round(SINGLE_MIB / 4))) : undefined;
  if (ours && small !== undefined) {
    rows.push({
      metric: `leecher peak RSS, ${SINGLE_MIB} MiB vs ${Math.round(SINGLE_MIB / 4)} MiB`,
      unit: 'MB',
      ours: ours.rss / 1e6,
      anchor: 'torrentkit, 1/4 size',
      theirs: small / 1e6,
      higherIsBetter: false,
      goal: { ratio: 0.9, text: 'grows < 10%' },
    });
  }
  return rows;
}

/** Peak RSS of a torrentkit leecher downloading `mib` MiB from its own libtorrent seeder. */
async function torrentkitRss(mib: number): Promise<number | undefined> {
  const name = `small-${mib}m.bin`;
  const seedDir = join(work, 'small-seed');
  makeFile(seedDir, name, mib);
  const torrentFile = join(work, 'small.torrent');
  writeFileSync(torrentFile, await makeTorrent(seedDir, name));
  const seeder = run(PYTHON, [LT, 'seed', torrentFile, seedDir, '127.0.0.1'], { LT_CHECK: '1' });
  const dir = join(work, 'small-leech');
  try {
    const seedPort = Number((await seeder.line(/^listening/)).split(' ')[1]);
    const p = run(process.execPath, [...CLI_FLAGS, CLI, 'download', torrentFile, '-o', dir, '--no-dht', '--no-lsd', '--peer', `127.0.0.1:${seedPort}`, '--port', '0', '--bind', '127.0.0.1', '--quiet']);
    const code = await p.exited;
    if (code !== 0) throw new Error(`exited ${code}`);
    console.log(`torrentkit: ${mib} MiB, peak RSS ${(p.peakRss() / MIB).toFixed(0)} MiB`);
    return p.peakRss();
  } catch (err) {
    console.log(`torrentkit ${mib} MiB: failed: ${(err as Error).message}`);
    return undefined;
  } finally {
    await seeder.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(seedDir, { recursive: true, force: true });
  }
}

async function swarm(kind: 'torrentkit' | 'libtorrent', torrentFile: string, seedDir: string): Promise<SwarmRun> {
  const peers: Peer[] = [];
  try {
    const seeder =
      kind === 'libtorrent'
        ? run(PYTHON, [LT, 'seed', torrentFile, seedDir, '127.0.0.2'])
        : run(process.execPath, [...CLI_FLAGS, CLI, 'seed', torrentFile, '-o', seedDir, '--no-dht', '--no-lsd', '--assume-complete', '--port', '0', '--bind', '127.0.0.2', '--json']);
    peers.push(seeder);
    await seeder.line(kind === 'libtorrent' ? /^listening/ : /"type":"seeding"/);
    const t0 = performance.now();
    const leechers: Peer[] = [];
    for (let i = 0; i < LEECHERS; i++) {
      const addr = `127.0.0.${10 + i}`;
      const dir = join(work, `swarm-${kind}-${i}`);
      mkdirSync(dir, { recursive: true });
      const p =
        kind === 'libtorrent'
          ? run(PYTHON, [LT, 'leech', torrentFile, dir, addr], { LT_KEEP: '1' })
          : run(process.execPath, [...CLI_FLAGS, CLI, 'download', torrentFile, '-o', dir, '--no-dht', '--no-lsd', '--keep-seeding', '--port', '0', '--bind', addr, '--json']);
      leechers.push(p);
      peers.push(p);
    }
    await Promise.all(leechers.map((p) => p.line(kind === 'libtorrent' ? /^done/ : /"type":"done"/)));
    return { ms: performance.now() - t0, cpu: cpuSeconds(peers) };
  } finally {
    await Promise.all(peers.map((p) => p.stop()));
    for (let i = 0; i < LEECHERS; i++) rmSync(join(work, `swarm-${kind}-${i}`), { recursive: true, force: true });
  }
}

/** A swarm run: wall time until every leecher is done, and the CPU its processes used until then. */
interface SwarmRun {
  ms: number;
  cpu: number;
}

/**
 * User + system CPU seconds of the peers' processes, all their threads, read from /proc while they
 * still run.
 */
function cpuSeconds(peers: readonly Peer[]): number {
  const ticks = 100; // USER_HZ on Linux
  let total = 0;
  for (const p of peers) {
    const stat = readFileSync(`/proc/${p.proc.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    total += (Number(fields[11]) + Number(fields[12])) / ticks; // utime, stime
  }
  return total;
}

/** The swarm's byte flows in bare Node processes (see bench/lib/swarm-floor.mjs). */
async function floorSwarm(torrentFile: string, dataFile: string): Promise<SwarmRun> {
  const peers: Peer[] = [];
  try {
    const seeder = run(process.execPath, [FLOOR, 'seed', torrentFile, dataFile, '127.0.0.2', String(LEECHERS)]);
    peers.push(seeder);
    const seedPort = Number((await seeder.line(/^listening \d+/)).split(' ')[1]);
    const port = await freePort();
    const t0 = performance.now();
    for (let k = 0; k < LEECHERS; k++) {
      const out = join(work, `swarm-floor-${k}.bin`);
      peers.push(run(process.execPath, [FLOOR, 'leech', torrentFile, out, String(k), String(LEECHERS), `127.0.0.2:${seedPort}`, String(port)]));
    }
    await Promise.all(peers.slice(1).map((p) => p.line(/^done/)));
    return { ms: performance.now() - t0, cpu: cpuSeconds(peers) };
  } finally {
    await Promise.all(peers.map((p) => p.stop()));
    for (let k = 0; k < LEECHERS; k++) rmSync(join(work, `swarm-floor-${k}.bin`), { force: true });
  }
}

async function swarms(): Promise<Row[]> {
  const name = `swarm-${SWARM_MIB}m.bin`;
  const seedDir = join(work, 'swarm-seed');
  makeFile(seedDir, name, SWARM_MIB);
  const bare = await makeTorrent(seedDir, name);
  const tracker = await startOpentracker(mkdtempSync(join(work, 'ot-')), [parseMetainfo(bare).id]);
  const torrentFile = join(work, 'swarm.torrent');
  writeFileSync(torrentFile, withTracker(bare, `http://127.0.0.1:${tracker.port}/announce`));
  // As the single downloads: ROUNDS runs each, the order reversed every round, the fastest counts
  // (the nine processes write 2 GiB into page cache whose cost depends on what ran before).
  const times: Record<string, number | undefined> = {};
  const cpu: Record<string, number | undefined> = {};
  const kinds = ['libtorrent', 'torrentkit', 'floor'] as const;
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of round % 2 === 0 ? kinds : [...kinds].reverse()) {
      try {
        const r = kind === 'floor' ? await floorSwarm(torrentFile, join(seedDir, name)) : await swarm(kind, torrentFile, seedDir);
        times[kind] = Math.min(r.ms, times[kind] ?? Infinity);
        cpu[kind] = Math.min(r.cpu, cpu[kind] ?? Infinity);
        console.log(`swarm 1+${LEECHERS} ${kind} (round ${round + 1}): ${secs(r.ms).toFixed(2)} s, CPU of its ${LEECHERS + 1} processes ${r.cpu.toFixed(2)} s`);
      } catch (err) {
        console.log(`swarm ${kind}: failed: ${(err as Error).message}`);
      }
    }
  }
  await tracker.stop();
  rmSync(seedDir, { recursive: true, force: true });
  return [
    {
      metric: `swarm 1 seeder + ${LEECHERS} leechers, ${SWARM_MIB} MiB, all done`,
      unit: 's',
      ours: times.torrentkit !== undefined ? secs(times.torrentkit) : Number.NaN,
      anchor: 'libtorrent',
      theirs: times.libtorrent !== undefined ? secs(times.libtorrent) : undefined,
      higherIsBetter: false,
      goal: { ratio: 1, text: '<= 1x' },
    },
    {
      metric: `swarm CPU (user + system) of all ${LEECHERS + 1} processes until done`,
      unit: 's',
      ours: cpu.torrentkit ?? Number.NaN,
      anchor: 'libtorrent',
      theirs: cpu.libtorrent,
      higherIsBetter: false,
    },
    {
      metric: `swarm floor: bare Node, same byte flows, no protocol (reference, not torrentkit)`,
      unit: 's',
      ours: times.floor !== undefined ? secs(times.floor) : Number.NaN,
      anchor: 'libtorrent',
      theirs: times.libtorrent !== undefined ? secs(times.libtorrent) : undefined,
      higherIsBetter: false,
    },
    {
      metric: `swarm floor CPU of all ${LEECHERS + 1} processes (reference, not torrentkit)`,
      unit: 's',
      ours: cpu.floor ?? Number.NaN,
      anchor: 'libtorrent',
      theirs: cpu.libtorrent,
      higherIsBetter: false,
    },
  ];
}

const rows: Row[] = [];
if (ONLY !== 'swarm') rows.push(...(await single()));
if (ONLY !== 'single') rows.push(...(await swarms()));
printReport('download: loopback, same seeder, same run', rows);
process.exit(0);
