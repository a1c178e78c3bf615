/**
 * Tracker bench: HTTP announces per second (wrk with a Lua script of random announces) and UDP
 * announces per second (our bounded load generator), p99 latency, and the tracker's memory with
 * 100,000 peers in 10,000 swarms; torrentkit (memory, SQLite, Redis stores) beside opentracker
 * and the bittorrent-tracker npm server, all in the same run on the same machine. p99 latency is
 * measured twice: at saturation (wrk, and the UDP generator's closed loop) and in an open loop at
 * half torrentkit's saturated rate (lib/open-loop.c: no pauses of its own, kernel receive times).
 * On this shared machine every target gets the same rule: the best of three saturated runs, the
 * median of three fixed-load p99s. BENCH_SECONDS sets the length of each load run (default 5);
 * BENCH_HTTP_RATE and BENCH_UDP_RATE fix the offered loads of the latency runs (to compare builds
 * at the same load).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sha1 } from '../src/util/sha.js';
import { freePort, startOpentracker, startRedisServer } from '../test/helpers/trackers.js';
import { announceMix, announcePath } from './lib/announce-mix.js';
import { cliArgs } from './lib/cli.js';
import { httpOpenLoop, udpOpenLoop } from './lib/open-loop.js';
import { printReport, type Row } from './lib/report.js';
import { median, stolen } from './lib/timing.js';
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
  // Started as `npx torrentkit` starts it, with the node flags of bin/torrentkit.js.
  const proc = spawn(process.execPath, cliArgs(['tracker', '--http-port', String(port), '--udp-port', String(port), '--store', store, ...extra]), {
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
// The same mix as the UDP generator's; every response is checked in wrk's `response` hook (status
// 200, a bencoded dictionary with an interval and peers, no failure reason) and the failures are
// printed by `done`, so a server that answers errors quickly cannot look fast.
writeFileSync(
  LUA,
  `local paths = {${announceMix(hashes, PEERS, 8192, 1)
    .map((a) => `"${announcePath(a)}"`)
    .join(',\n')}}
local threads = {}
local counter = 0
local reqs = {}
local k = 0
bad = 0
badSample = ""
setup = function(thread)
  counter = counter + 1
  thread:set("offset", counter * 997)
  table.insert(threads, thread)
end
-- Formatted once per thread: wrk's Lua would otherwise be the bottleneck.
init = function(args)
  for j = 1, #paths do
    reqs[j] = wrk.format("GET", paths[((j + (offset or 0)) % #paths) + 1])
  end
end
request = function()
  k = (k % #reqs) + 1
  return reqs[k]
end
response = function(status, headers, body)
  if status ~= 200 or string.sub(body, 1, 1) ~= "d" or not string.find(body, "8:intervali", 1, true)
     or not string.find(body, "5:peers", 1, true) or string.find(body, "failure reason", 1, true) then
    bad = bad + 1
    if badSample == "" then badSample = status .. " " .. string.sub(body, 1, 80) end
  end
end
done = function(summary, latency, requests)
  local n = 0
  local sample = ""
  for _, t in ipairs(threads) do
    n = n + t:get("bad")
    if sample == "" then sample = t:get("badSample") end
  end
  io.write("TK_BAD " .. n .. "\\n")
  if n > 0 then io.write("TK_BAD_SAMPLE " .. sample .. "\\n") end
end
`,
);

function parseDuration(s: string): number {
  const m = /([\d.]+)(us|ms|s|m)/.exec(s);
  if (!m) return Number.NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 'ms' ? v : m[2] === 's' ? v * 1000 : v * 60_000;
}

interface HttpRun {
  perSecond: number;
  p99Ms: number;
  /** Responses that were not successful announces. */
  errors: number;
  /**
   * wrk's socket errors: reported, not disqualifying, because a server that closes the
   * connection after each answer (opentracker) shows one read error per request.
   */
  socketErrors: number;
  sample: string;
}

function wrk(port: number, seconds = SECONDS): HttpRun {
  const r = spawnSync('wrk', ['-t1', '-c64', `-d${seconds}s`, '--latency', '-s', LUA, `http://127.0.0.1:${port}/announce`], { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
  const out = r.stdout ?? '';
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const p99 = /\s99%\s+(\S+)/.exec(out);
  const bad = /TK_BAD (\d+)/.exec(out);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const sockErrors = sock ? sock.slice(1).reduce((s, v) => s + Number(v), 0) : 0;
  if (!rps || !bad) console.error(`wrk failed: ${out}${r.stderr}`);
  return {
    perSecond: rps ? Number(rps[1]) : 0,
    p99Ms: p99 ? parseDuration(p99[1]) : Number.NaN,
    errors: bad ? Number(bad[1]) : 1,
    socketErrors: sockErrors,
    sample: /TK_BAD_SAMPLE (.*)/.exec(out)?.[1] ?? '',
  };
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
  /** NaN when any answer was not a successful announce (a server with errors gets no figure). */
  http: number;
  httpP99: number;
  udp: number;
  /** p99 in the closed loop, at saturation (includes the queue the 128-request window builds). */
  udpP99: number;
  /** p99 in the open loop at a fixed offered load (half torrentkit's saturated UDP rate). */
  udpP99Fixed: number;
  /** p99 in the open loop at half torrentkit's saturated HTTP rate. */
  httpP99Fixed: number;
  memMb: number;
}

/** Offered loads of the open-loop latency runs, fixed by the first (torrentkit memory) measurement. */
let fixedUdpRate: number | undefined = Number(process.env.BENCH_UDP_RATE) || undefined;
let fixedHttpRate: number | undefined = Number(process.env.BENCH_HTTP_RATE) || undefined;

/** The run with the higher rate (a failed answer in any run voids the figure: see measure). */
function best<T extends { perSecond: number }>(runs: readonly T[]): T {
  return runs.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
}

/** `n` runs of `run`, one after another (never two loads at once). */
async function inTurn<T>(n: number, run: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await run());
  return out;
}

function sum<K extends string>(runs: readonly Record<K, number>[], key: K): number {
  return runs.reduce((n, r) => n + r[key], 0);
}

const steal = (r: { stealMs: number }) => (r.stealMs > 0 ? ` (steal ${r.stealMs} ms)` : '');
const rates = (runs: readonly { perSecond: number; stealMs: number }[]) => runs.map((r) => `${r.perSecond.toFixed(0)}/s${steal(r)}`).join(' and ');
/** Each run's p99, with the time the host took from the machine meanwhile when there was any. */
const p99s = (runs: readonly { p99Ms: number; stealMs: number }[]) =>
  runs.map((r) => `${r.p99Ms.toFixed(2)}${steal(r)}`).join(' / ');

function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
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
      console.log(`${t.name}: filled ${fill.requests} peers (${fill.errors} errors, ${fill.lost} lost), peak RSS ${memMb.toFixed(1)} MB`);
    }
    // Every target first serves a second of the same load unmeasured: the figures are of a warm
    // server (compiled hot paths, a heap settled after the fill), not of its first moments.
    // The machine is shared: each target's saturated rate is the best of three runs, and each
    // fixed-load p99 the median of three (a single stall of the host, which opentracker's p99
    // shows too, moves one run's tail), under the same rule for every target.
    wrk(t.port, 1);
    const hs = await inTurn(3, () => stolen(() => wrk(t.port)));
    const h = best(hs);
    console.log(`${t.name}: HTTP ${rates(hs)} p99 ${h.p99Ms.toFixed(2)} ms (saturated, the best run), ${sum(hs, 'errors')} failed${h.errors ? ` (${h.sample})` : ''}${h.socketErrors ? `, ${h.socketErrors} socket errors` : ''} [load ${load()}]`);
    fixedHttpRate ??= Math.round(h.perSecond / 2);
    const fixedHttp = () => stolen(() => httpOpenLoop({ port: t.port, hashes, peers: PEERS, durationMs: SECONDS * 1000, rate: fixedHttpRate!, connections: 64 }));
    const hfs = await inTurn(3, fixedHttp);
    const hf = { p99Ms: median(hfs.map((r) => r.p99Ms)), errors: sum(hfs, 'errors'), reconnects: sum(hfs, 'reconnects'), requests: sum(hfs, 'requests') };
    console.log(`${t.name}: HTTP at ${fixedHttpRate}/s offered: p99 ${p99s(hfs)} ms (median ${hf.p99Ms.toFixed(2)}), ${hf.errors} failed${hf.errors ? ` (${hfs.find((r) => r.errors)?.sample})` : ''}, ${sum(hfs, 'lost')} lost [load ${load()}]`);
    // Reconnecting per request, the generator sets the pace: no latency figure for such a server.
    const closesConnections = hf.reconnects > hf.requests / 2;
    if (closesConnections) console.log(`${t.name}: closed ${hf.reconnects} connections (one per answer): no fixed-load HTTP latency figure`);
    await udpLoad({ port: t.port, hashes, peers: PEERS, durationMs: 1000, window: 128 });
    const saturate = () => stolen(() => udpLoad({ port: t.port, hashes, peers: PEERS, durationMs: SECONDS * 1000, window: 128 }));
    const us = await inTurn(3, saturate);
    const u = best(us);
    console.log(`${t.name}: UDP ${rates(us)} p99 ${u.p99Ms.toFixed(2)} ms (saturated, the best run), ${sum(us, 'errors')} failed${u.errors ? ` (${u.sample})` : ''}, ${sum(us, 'lost')} lost [load ${load()}]`);
    fixedUdpRate ??= Math.round(u.perSecond / 2);
    const fixedUdp = () => stolen(() => udpOpenLoop({ port: t.port, hashes, peers: PEERS, durationMs: SECONDS * 1000, rate: fixedUdpRate! }));
    const fs = await inTurn(3, fixedUdp);
    const f = { p99Ms: median(fs.map((r) => r.p99Ms)), errors: sum(fs, 'errors') };
    console.log(`${t.name}: UDP at ${fixedUdpRate}/s offered: p99 ${p99s(fs)} ms (median ${f.p99Ms.toFixed(2)}), ${f.errors} failed${f.errors ? ` (${fs.find((r) => r.errors)?.sample})` : ''}, ${sum(fs, 'lost')} lost [load ${load()}]`);
    const httpErrors = sum(hs, 'errors');
    const udpErrors = sum(us, 'errors');
    return {
      http: httpErrors ? Number.NaN : h.perSecond,
      httpP99: httpErrors ? Number.NaN : h.p99Ms,
      udp: udpErrors ? Number.NaN : u.perSecond,
      udpP99: udpErrors ? Number.NaN : u.p99Ms,
      udpP99Fixed: f.errors ? Number.NaN : f.p99Ms,
      httpP99Fixed: hf.errors || closesConnections ? Number.NaN : hf.p99Ms,
      memMb,
    };
  } finally {
    await t.stop();
  }
}

// BENCH_TRACKERS=memory,workers,opentracker,bittorrent-tracker,sqlite,redis picks some (all by default).
const only = process.env.BENCH_TRACKERS?.split(',');
const run = (key: string, start: () => Promise<Target>, memory: boolean) => (!only || only.includes(key) ? measure(start, memory) : Promise.resolve(undefined));
const redis = await startRedisServer();
console.log(`load average at start: ${load()} (2 cores, shared)`);
try {
  const ours = await run('memory', () => torrentkit('memory:', 'torrentkit (memory)'), true);
  const two = await run('workers', () => torrentkit('memory:', 'torrentkit (memory, 2 workers)', ['--workers', '2']), false);
  const ot = await run('opentracker', opentracker, true);
  const bt = await run('bittorrent-tracker', bittorrentTracker, true);
  const sqlite = await run('sqlite', () => torrentkit(`sqlite:${join(dir, 'tracker.db')}`, 'torrentkit (sqlite)'), false);
  const red = await run('redis', () => torrentkit(`${redis.url}?prefix=bench:`, 'torrentkit (redis)'), false);
  const rows: Row[] = [];
  if (ours) {
    rows.push(
      { metric: 'HTTP announces/s (memory store)', unit: '/s', ours: ours.http, anchor: 'opentracker', theirs: ot?.http, higherIsBetter: true, goal: { ratio: 0.75, text: '>= 0.75x' } },
      { metric: 'HTTP announces/s (memory store)', unit: '/s', ours: ours.http, anchor: 'bittorrent-tracker', theirs: bt?.http, higherIsBetter: true, goal: { ratio: 10, text: '>= 10x' } },
      { metric: 'UDP announces/s (memory store)', unit: '/s', ours: ours.udp, anchor: 'opentracker', theirs: ot?.udp, higherIsBetter: true, goal: { ratio: 0.5, text: '>= 0.5x' } },
      { metric: 'UDP announces/s (memory store)', unit: '/s', ours: ours.udp, anchor: 'bittorrent-tracker', theirs: bt?.udp, higherIsBetter: true, goal: { ratio: 3, text: '>= 3x' } },
      { metric: 'HTTP p99 latency, saturated (memory)', unit: 'ms', ours: ours.httpP99, anchor: 'opentracker', theirs: ot?.httpP99, higherIsBetter: false },
      { metric: `HTTP p99 latency at ${fixedHttpRate}/s (memory)`, unit: 'ms', ours: ours.httpP99Fixed, anchor: 'opentracker', theirs: ot?.httpP99Fixed, higherIsBetter: false },
      { metric: `HTTP p99 latency at ${fixedHttpRate}/s (memory)`, unit: 'ms', ours: ours.httpP99Fixed, anchor: 'bittorrent-tracker', theirs: bt?.httpP99Fixed, higherIsBetter: false },
      { metric: 'UDP p99 latency, saturated (memory)', unit: 'ms', ours: ours.udpP99, anchor: 'opentracker', theirs: ot?.udpP99, higherIsBetter: false },
      { metric: `UDP p99 latency at ${fixedUdpRate}/s (memory)`, unit: 'ms', ours: ours.udpP99Fixed, anchor: 'opentracker', theirs: ot?.udpP99Fixed, higherIsBetter: false },
      { metric: `UDP p99 latency at ${fixedUdpRate}/s (memory)`, unit: 'ms', ours: ours.udpP99Fixed, anchor: 'bittorrent-tracker', theirs: bt?.udpP99Fixed, higherIsBetter: false },
      { metric: 'peak RSS, 100k peers / 10k swarms', unit: 'MB', ours: ours.memMb, anchor: 'opentracker', theirs: ot?.memMb, higherIsBetter: false },
      { metric: 'peak RSS, 100k peers / 10k swarms', unit: 'MB', ours: ours.memMb, anchor: 'bittorrent-tracker', theirs: bt?.memMb, higherIsBetter: false },
    );
    if (two) {
      // Without a goal: the goals are the memory store's (the rows above). With the load
      // generator on one of this machine's two cores, a second worker has no core of its own and
      // adds the replication of every change to the other replica (see ARCHITECTURE.md); these
      // rows show what that costs here, not what workers give with cores to spare.
      rows.push(
        { metric: 'HTTP announces/s (memory, 2 workers)', unit: '/s', ours: two.http, anchor: 'opentracker', theirs: ot?.http, higherIsBetter: true },
        { metric: 'HTTP announces/s (memory, 2 workers)', unit: '/s', ours: two.http, anchor: 'bittorrent-tracker', theirs: bt?.http, higherIsBetter: true },
        { metric: 'UDP announces/s (memory, 2 workers)', unit: '/s', ours: two.udp, anchor: 'opentracker', theirs: ot?.udp, higherIsBetter: true },
        { metric: 'UDP announces/s (memory, 2 workers)', unit: '/s', ours: two.udp, anchor: 'bittorrent-tracker', theirs: bt?.udp, higherIsBetter: true },
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
    console.log(
      `goals: p99 under 10 ms (HTTP ${ours.httpP99Fixed.toFixed(2)} ms at ${fixedHttpRate}/s, ${ours.httpP99.toFixed(2)} ms saturated; UDP ${ours.udpP99Fixed.toFixed(2)} ms at ${fixedUdpRate}/s, ${ours.udpP99.toFixed(2)} ms saturated); under 300 MB for 100k peers (${ours.memMb.toFixed(1)} MB); load average ${load()}`,
    );
  }
} finally {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
