/**
 * The open-loop latency generator (open-loop.c), compiled once per machine with the system's C
 * compiler (`cc`, which the native SQLite binding's build needs anyway), fed the bench's announce
 * mix: latency from the moment a request was due, lost after a second, every answer checked, as
 * in udp-load.ts; without a collector or an event loop of its own whose pauses would count as the
 * server's latency (a Node generator added 2-4 ms to opentracker's p99 this way).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../test/helpers/tools.js';
import { announceMix, announcePath } from './announce-mix.js';
import { packetFor, type UdpLoadResult } from './udp-load.js';

/** As the closed-loop generator's result (`lost`: unanswered a second after they were due), plus: */
export interface OpenLoopResult extends UdpLoadResult {
  /**
   * Connections the server closed (HTTP). A server that closes after every answer (opentracker)
   * makes the generator reconnect per request, and then the generator, not the server, sets the pace.
   */
  reconnects: number;
}

const SOURCE = join(ROOT, 'bench/lib/open-loop.c');
const OUT_DIR = join(ROOT, 'node_modules/.cache/torrentkit-bench');
const BINARY = join(OUT_DIR, 'open-loop');

/** Builds the generator when it is missing or older than its source; returns its path. */
export function openLoopBinary(): string {
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs >= statSync(SOURCE).mtimeMs) return BINARY;
  mkdirSync(OUT_DIR, { recursive: true });
  const r = spawnSync('cc', ['-O2', '-o', BINARY, SOURCE, '-lm'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cannot build the open-loop generator (cc): ${r.error?.message ?? r.stderr}`);
  return BINARY;
}

/** Records of a 2-byte big-endian length and the bytes, the generator's input. */
function records(items: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(items.reduce((n, b) => n + 2 + b.length, 0));
  let at = 0;
  for (const b of items) {
    if (b.length > 0xffff) throw new Error('record too long');
    out[at] = b.length >> 8;
    out[at + 1] = b.length & 0xff;
    out.set(b, at + 2);
    at += 2 + b.length;
  }
  return out;
}

export interface OpenLoopOptions {
  port: number;
  hashes: Uint8Array[];
  peers: number;
  durationMs: number;
  /** Requests per second offered. */
  rate: number;
  seed?: number;
}

function run(args: string[], input: Uint8Array, durationMs: number): OpenLoopResult {
  const binary = openLoopBinary();
  const file = join(OUT_DIR, `requests-${process.pid}.bin`);
  writeFileSync(file, input);
  const r = spawnSync(binary, [...args.slice(0, -1), file], { encoding: 'utf8', timeout: durationMs + 30_000 });
  rmSync(file, { force: true });
  if (r.status !== 0) throw new Error(`open-loop ${args.join(' ')}: ${r.error?.message ?? r.stderr}`);
  const j = JSON.parse(r.stdout) as OpenLoopResult;
  // -1: a lost request (infinite latency) at that percentile; -2: nothing measured.
  const ms = (v: number) => (v === -1 ? Number.POSITIVE_INFINITY : v === -2 ? Number.NaN : v);
  return { ...j, p50Ms: ms(j.p50Ms), p99Ms: ms(j.p99Ms) };
}

/** BEP 15 announces at `rate` per second from one socket. */
export function udpOpenLoop(o: OpenLoopOptions): OpenLoopResult {
  const packets = announceMix(o.hashes, o.peers, 8192, o.seed ?? 2).map(packetFor);
  return run(['udp', String(o.port), String(o.rate), String(o.durationMs), 'FILE'], records(packets), o.durationMs);
}

/** Keep-alive HTTP announces at `rate` per second over `connections` connections. */
export function httpOpenLoop(o: OpenLoopOptions & { connections: number }): OpenLoopResult {
  const reqs = announceMix(o.hashes, o.peers, 8192, o.seed ?? 3).map((a) => new TextEncoder().encode(`GET ${announcePath(a)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`));
  return run(['http', String(o.port), String(o.rate), String(o.durationMs), String(o.connections), 'FILE'], records(reqs), o.durationMs);
}
