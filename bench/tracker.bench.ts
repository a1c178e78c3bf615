/**
 * Tracker bench: HTTP announces per second (wrk with a Lua script of random announces) and UDP
 * announces per second (our bounded load generator), p99 latency, and the tracker's memory with
 * 100,000 peers in 10,000 swarms; torrentkit (memory, SQLite, Redis stores) beside opentracker
 * and the bittorrent-tracker npm server, all in the same run on the same machine.
 * BENCH_SECONDS sets the length of each load run (default 5).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { percentEncodeBytes } from '../src/codecs/tracker/query.js';
import { sha1 } from '../src/util/sha.js';
import { freePort, startOpentracker, startRedisServer } from '../test/helpers/trackers.js';
import { printReport, type Row } from './lib/report.js';
import { udpLoad } from './lib/udp-load.js';

const ROOT = resolve(import.meta.dirname, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const SWARMS = 10_000;
const PEERS = 100_000;
const hashes = Array.from({ length: SWARMS }, (_, i) => sha1(new TextEncoder().encode(`bench swarm ${i}`)));
const dir = mkdtempSync(join(tmpdir(), 'tk-bench-tracker-'));

interface Target {
  name: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

function stopProc(proc: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((res) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return res();
      const k = setTimeout(() => proc.kill('SIGKILL'), 5000);
      proc.once('exit', () => {
        clearTimeout(k);
        res();
      });
      proc.kill('SIGTERM');
    });
}

async function waitForLine(proc: ChildProcess, what: string): Promise<void> {
  await new Promise<void>((res, rej) => {
    let out = '';
    let err = '';
    proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) res();
    });
    proc.once('exit', (c) => rej(new Error(`${what} exited ${c}: ${err}`)));
  });
}

async function torrentkit(store: string, label: string, extra: string[] = []): Promise<Target> {
  const port = await freePort();
  const proc = spawn(process.execPath, [join(ROOT, 'bin/torrentkit.js'), 'tracker', '--http-port', String(port), '--udp-port', String(port), '--store', store, ...extra], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await waitForLine(proc, label);
  return { name: label, port, pid: proc.pid!, stop: stopProc(proc) };
}

async function bittorrentTracker(): Promise<Target> {
  const port = await freePort();
  const proc = spawn(process.execPath, [join(ROOT, 'bench/fixtures/bittorrent-tracker-server.mjs'), String(port)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  await waitForLine(proc, 'bittorrent-tracker');
  return { name: 'bittorrent-tracker', port, pid: proc.pid!, stop: stopProc(proc) };
}

async function opentracker(): Promise<Target> {
  const otDir = join(dir, 'ot');
  spawnSync('mkdir', ['-p', otDir]);
  const ot = await startOpentracker(otDir, hashes);
  return { name: 'opentracker', port: ot.port, pid: ot.proc.pid!, stop: ot.stop };
}

const LUA = join(dir, 'announce.lua');
writeFileSync(
  LUA,
  `local hashes = {${hashes.map((h) => `"${percentEncodeBytes(h)}"`).join(',')}}
local n = #hashes
local counter = 0
local reqs = {}
local k = 0
setup = function(thread) counter = counter + 1; thread:set("seed", counter) end
-- Random announces, formatted once: wrk's Lua would otherwise be the bottleneck.
init = function(args)
  math.randomseed(os.time() * 1000 + (seed or 1))
  for j = 1, 8192 do
    local i = math.random(0, ${PEERS - 1})
    local left = (i % 3 == 0) and 0 or 1000
    reqs[j] = wrk.format("GET", "/announce?info_hash=" .. hashes[(i % n) + 1] .. "&peer_id=-BM0001-" .. string.format("%012d", i) ..
      "&port=" .. (1025 + i % 60000) .. "&uploaded=0&downloaded=0&left=" .. left .. "&compact=1&numwant=50")
  end
end
request = function()
  k = (k % #reqs) + 1
  return reqs[k]
end
`,
);

function parseDuration(s: string): number {
  const m = /([\d.]+)(us|ms|s|m)/.exec(s);
  if (!m) return Number.NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 'ms' ? v : m[2] === 's' ? v * 1000 : v * 60_000;
}

function wrk(port: number): { perSecond: number; p99Ms: number; errors: number } {
  const r = spawnSync('wrk', ['-t1', '-c64', `-d${SECONDS}s`, '--latency', '-s', LUA, `http://127.0.0.1:${port}/announce`], { encoding: 'utf8', timeout: (SECONDS + 30) * 1000 });
  const out = r.stdout ?? '';
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const p99 = /\s99%\s+(\S+)/.exec(out);
  const errs = /Non-2xx or 3xx responses:\s+(\d+)|Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  if (!rps) console.error(`wrk failed: ${out}${r.stderr}`);
  return { perSecond: rps ? Number(rps[1]) : 0, p99Ms: p99 ? parseDuration(p99[1]) : Number.NaN, errors: errs ? Number(errs[1] ?? 0) : 0 };
}

function rssMb(pid: number): { rss: number; hwm: number } {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return { rss: Number.NaN, hwm: Number.NaN };
  }
}

interface Figures {
  http: number;
  httpP99: number;
  udp: number;
  udpP99: number;
  memMb: number;
}

async function measure(start: () => Promise<Target>, memory: boolean): Promise<Figures | undefined> {
  let t: Target;
  try {
    t = await start();
  } catch (err) {
    console.error(`skipped: ${(err as Error).message}`);
    return undefined;
  }
  try {
    let memMb = Number.NaN;
    if (memory) {
      // 100,000 peers in 10,000 swarms, each announced once.
      const fill = await udpLoad({ port: t.port, hashes, peers: PEERS, durationMs: 0, window: 64, fill: true });
      memMb = rssMb(t.pid).hwm;
      console.log(`${t.name}: filled ${fill.requests} peers (${fill.errors} errors), peak RSS ${memMb.toFixed(1)} MB`);
    }
    const h = wrk(t.port);
    const u = await udpLoad({ port: t.port, hashes, peers: PEERS, durationMs: SECONDS * 1000, window: 128 });
    console.log(`${t.name}: HTTP ${h.perSecond.toFixed(0)}/s p99 ${h.p99Ms.toFixed(2)} ms; UDP ${u.perSecond.toFixed(0)}/s p99 ${u.p99Ms.toFixed(2)} ms (${u.errors} errors)`);
    return { http: h.perSecond, httpP99: h.p99Ms, udp: u.perSecond, udpP99: u.p99Ms, memMb };
  } finally {
    await t.stop();
  }
}

const redis = await startRedisServer();
try {
  const ours = await measure(() => torrentkit('memory:', 'torrentkit (memory)'), true);
  const two = await measure(() => torrentkit('memory:', 'torrentkit (memory, 2 workers)', ['--workers', '2']), false);
  const ot = await measure(opentracker, true);
  const bt = await measure(bittorrentTracker, true);
  const sqlite = await measure(() => torrentkit(`sqlite:${join(dir, 'tracker.db')}`, 'torrentkit (sqlite)'), false);
  const red = await measure(() => torrentkit(`${redis.url}?prefix=bench:`, 'torrentkit (redis)'), false);
  const rows: Row[] = [];
  if (ours) {
    rows.push(
      { metric: 'HTTP announces/s (memory store)', unit: '/s', ours: ours.http, anchor: 'opentracker', theirs: ot?.http, higherIsBetter: true, goal: { ratio: 0.75, text: '>= 0.75x' } },
      { metric: 'HTTP announces/s (memory store)', unit: '/s', ours: ours.http, anchor: 'bittorrent-tracker', theirs: bt?.http, higherIsBetter: true, goal: { ratio: 10, text: '>= 10x' } },
      { metric: 'UDP announces/s (memory store)', unit: '/s', ours: ours.udp, anchor: 'opentracker', theirs: ot?.udp, higherIsBetter: true, goal: { ratio: 0.5, text: '>= 0.5x' } },
      { metric: 'UDP announces/s (memory store)', unit: '/s', ours: ours.udp, anchor: 'bittorrent-tracker', theirs: bt?.udp, higherIsBetter: true, goal: { ratio: 3, text: '>= 3x' } },
      { metric: 'HTTP p99 latency (memory store)', unit: 'ms', ours: ours.httpP99, anchor: 'opentracker', theirs: ot?.httpP99, higherIsBetter: false },
      { metric: 'UDP p99 latency (memory store)', unit: 'ms', ours: ours.udpP99, anchor: 'opentracker', theirs: ot?.udpP99, higherIsBetter: false },
      { metric: 'peak RSS, 100k peers / 10k swarms', unit: 'MB', ours: ours.memMb, anchor: 'opentracker', theirs: ot?.memMb, higherIsBetter: false },
      { metric: 'peak RSS, 100k peers / 10k swarms', unit: 'MB', ours: ours.memMb, anchor: 'bittorrent-tracker', theirs: bt?.memMb, higherIsBetter: false },
    );
    if (two) {
      rows.push(
        { metric: 'HTTP announces/s (memory, 2 workers)', unit: '/s', ours: two.http, anchor: 'opentracker', theirs: ot?.http, higherIsBetter: true, goal: { ratio: 0.75, text: '>= 0.75x' } },
        { metric: 'HTTP announces/s (memory, 2 workers)', unit: '/s', ours: two.http, anchor: 'bittorrent-tracker', theirs: bt?.http, higherIsBetter: true, goal: { ratio: 10, text: '>= 10x' } },
        { metric: 'UDP announces/s (memory, 2 workers)', unit: '/s', ours: two.udp, anchor: 'opentracker', theirs: ot?.udp, higherIsBetter: true, goal: { ratio: 0.5, text: '>= 0.5x' } },
        { metric: 'UDP announces/s (memory, 2 workers)', unit: '/s', ours: two.udp, anchor: 'bittorrent-tracker', theirs: bt?.udp, higherIsBetter: true, goal: { ratio: 3, text: '>= 3x' } },
      );
    }
    if (sqlite) {
      rows.push(
        { metric: 'HTTP announces/s, SQLite store', unit: '/s', ours: sqlite.http, anchor: 'torrentkit memory', theirs: ours.http, higherIsBetter: true, goal: { ratio: 0.5, text: 'within 2x' } },
        { metric: 'UDP announces/s, SQLite store', unit: '/s', ours: sqlite.udp, anchor: 'torrentkit memory', theirs: ours.udp, higherIsBetter: true, goal: { ratio: 0.5, text: 'within 2x' } },
      );
    }
    if (red) {
      rows.push(
        { metric: 'HTTP announces/s, Redis store', unit: '/s', ours: red.http, anchor: 'torrentkit memory', theirs: ours.http, higherIsBetter: true },
        { metric: 'UDP announces/s, Redis store', unit: '/s', ours: red.udp, anchor: 'torrentkit memory', theirs: ours.udp, higherIsBetter: true },
      );
    }
  }
  printReport('tracker', rows);
  if (ours) {
    console.log(`goals: p99 under 10 ms (HTTP ${ours.httpP99.toFixed(2)} ms, UDP ${ours.udpP99.toFixed(2)} ms); under 300 MB for 100k peers (${ours.memMb.toFixed(1)} MB)`);
  }
} finally {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
