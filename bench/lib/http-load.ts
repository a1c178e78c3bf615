/**
 * An open-loop HTTP announce generator for latency at a fixed offered load (wrk measures the
 * saturated case): requests become due at `rate` per second whatever the server does, wait for
 * a free keep-alive connection (one request in flight per connection, as trackers are used), and
 * each latency counts from the moment the request was due, so a stalled server cannot hide its
 * stall by slowing the generator down. Every response is checked like in the wrk script (status
 * 200, a bencoded dictionary with an interval and peers, no failure reason); failures are counted,
 * not timed. Servers that close the connection after each answer (opentracker) are reconnected.
 * Responses are checked on their bytes (no string per response) and latencies kept in a typed
 * array, so that the generator's own garbage collections do not count as the server's latency.
 */
import { connect, type Socket } from 'node:net';
import { announceMix, announcePath } from './announce-mix.js';
import type { UdpLoadResult } from './udp-load.js';

/** As the UDP generator's result (`lost`: requests still unanswered when the run ended), plus: */
export interface HttpLoadResult extends UdpLoadResult {
  /**
   * Connections the server closed. A server that closes after every answer (opentracker) makes
   * this generator reconnect per request, and then the generator, not the server, sets the pace.
   */
  reconnects: number;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = Buffer.from('content-length:');
const STATUS_200 = [Buffer.from('HTTP/1.1 200'), Buffer.from('HTTP/1.0 200')];
const INTERVAL = Buffer.from('8:intervali');
const PEERS = Buffer.from('5:peers');
const FAILURE = Buffer.from('failure reason');
/** Most latencies kept (more than a minute at the fastest rate measured here). */
const MAX_LATENCIES = 4_000_000;

/** The Content-Length of a response head in `b` [start, end), found without decoding the head; -1 when absent. */
function contentLength(b: Buffer, start: number, end: number): number {
  for (let i = start; i + CONTENT_LENGTH.length <= end; i++) {
    if (b[i - 1] !== 0x0a) continue; // header names start lines
    let k = 0;
    while (k < CONTENT_LENGTH.length && (b[i + k] | 0x20) === CONTENT_LENGTH[k]) k++;
    if (k < CONTENT_LENGTH.length) continue;
    let j = i + k;
    while (j < end && (b[j] === 0x20 || b[j] === 0x09)) j++;
    let n = 0;
    const digits = j;
    while (j < end && b[j] >= 0x30 && b[j] <= 0x39) n = n * 10 + (b[j++] - 0x30);
    return j > digits ? n : -1;
  }
  return -1;
}

export async function httpLoad(opts: { port: number; hashes: Uint8Array[]; peers: number; durationMs: number; rate: number; connections: number; seed?: number }): Promise<HttpLoadResult> {
  const requests = announceMix(opts.hashes, opts.peers, 8192, opts.seed ?? 3).map((a) => Buffer.from(`GET ${announcePath(a)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`));
  let at = 0;
  const due: number[] = [];
  let dueHead = 0;
  const latencies = new Float64Array(MAX_LATENCIES);
  let measured = 0;
  let done = 0;
  let errors = 0;
  let sample = '';
  let stopped = false;
  let reconnects = 0;
  const idle: Conn[] = [];

  const fail = (why: string) => {
    errors++;
    if (!sample) sample = why;
  };

  class Conn {
    private sock!: Socket;
    private buf: Buffer = Buffer.alloc(0);
    /** When the request in flight was due; -1 when none is. */
    sentAt = -1;
    private open = false;

    constructor() {
      this.connect();
    }

    private connect(): void {
      this.open = false;
      this.buf = Buffer.alloc(0);
      this.sock = connect(opts.port, '127.0.0.1');
      this.sock.setNoDelay(true);
      this.sock.on('connect', () => {
        this.open = true;
        this.next();
      });
      this.sock.on('data', (d: Buffer) => this.onData(d));
      this.sock.on('error', () => {});
      this.sock.on('close', () => {
        if (this.sentAt >= 0) {
          // The request in flight will not be answered on this connection: send it again.
          due.splice(dueHead, 0, this.sentAt);
          this.sentAt = -1;
        }
        if (!stopped) {
          reconnects++;
          this.connect();
        }
      });
    }

    next(): void {
      if (!this.open || this.sentAt >= 0) return;
      if (dueHead >= due.length) {
        if (!idle.includes(this)) idle.push(this);
        return;
      }
      this.sentAt = due[dueHead++];
      this.sock.write(requests[at]);
      at = (at + 1) % requests.length;
    }

    private onData(d: Buffer): void {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      for (;;) {
        const b = this.buf;
        const end = b.indexOf(HEAD_END);
        if (end < 0) return;
        const length = contentLength(b, 0, end);
        if (length < 0) {
          fail(`no Content-Length: ${b.subarray(0, Math.min(end, 60)).toString('latin1')}`);
          this.sock.destroy();
          return;
        }
        const total = end + 4 + length;
        if (b.length < total) return;
        const body = b.subarray(end + 4, total);
        this.buf = b.subarray(total);
        const ok = STATUS_200.some((s) => b.compare(s, 0, s.length, 0, s.length) === 0);
        if (!ok || body[0] !== 0x64 || body.indexOf(INTERVAL) < 0 || body.indexOf(PEERS) < 0 || body.indexOf(FAILURE) >= 0) {
          fail(`${b.subarray(0, 12).toString('latin1')} ${body.subarray(0, 60).toString('latin1')}`);
        } else {
          done++;
          if (measured < MAX_LATENCIES) latencies[measured++] = performance.now() - this.sentAt;
        }
        this.sentAt = -1;
        this.next();
      }
    }

    close(): void {
      this.sock.destroy();
    }
  }

  const conns = Array.from({ length: opts.connections }, () => new Conn());
  await new Promise((r) => setTimeout(r, 200));
  const started = performance.now();
  const perMs = opts.rate / 1000;
  let scheduled = 0;
  const pump = () => {
    while (idle.length > 0 && dueHead < due.length) idle.pop()!.next();
  };
  const ticker = setInterval(() => {
    const n = Math.floor((performance.now() - started) * perMs);
    for (; scheduled < n; scheduled++) due.push(started + scheduled / perMs);
    pump();
    // Keep the queue array from growing without bound.
    if (dueHead > 65_536) {
      due.splice(0, dueHead);
      dueHead = 0;
    }
  }, 1);
  await new Promise((r) => setTimeout(r, opts.durationMs));
  clearInterval(ticker);
  const secs = (performance.now() - started) / 1000;
  // Give the requests already due a second to finish, then count what is left as lost.
  const deadline = performance.now() + 1000;
  while (performance.now() < deadline && (dueHead < due.length || conns.some((c) => c.sentAt >= 0))) {
    pump();
    await new Promise((r) => setTimeout(r, 20));
  }
  stopped = true;
  let lost = due.length - dueHead;
  for (const c of conns) if (c.sentAt >= 0) lost++;
  for (const c of conns) c.close();
  for (let k = 0; k < lost && measured < MAX_LATENCIES; k++) latencies[measured++] = Number.POSITIVE_INFINITY;
  const sorted = latencies.subarray(0, measured).sort();
  const q = (p: number) => (measured ? sorted[Math.min(measured - 1, Math.floor(measured * p))] : Number.NaN);
  return { requests: done, perSecond: done / secs, p50Ms: q(0.5), p99Ms: q(0.99), errors, lost, reconnects, sample };
}
