/**
 * The HTTP tracker's fast path: which heads it answers itself, and, on real sockets, that a
 * connection behaves the same whichever side answers (keep-alive, pipelining, HTTP/1.0, a
 * hand-over to node:http in the middle of a connection, heads in pieces, X-Forwarded-For).
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { decode } from '../../codecs/bencode/index.js';
import { buildAnnounceQuery } from '../../codecs/tracker/query.js';
import { SeededRng } from '../testing/seeded-rng.js';
import { readAnnounceHead } from './tracker-http-fast.js';
import { startTracker } from './tracker-server.js';

test('readAnnounceHead: plain announces only; everything else is left to node:http', () => {
  const q = 'info_hash=%aa&port=1';
  assert.deepEqual(readAnnounceHead(`GET /announce?${q} HTTP/1.1\r\nHost: a`), { query: q, keepAlive: true, http10: false, forwardedFor: undefined });
  assert.deepEqual(readAnnounceHead('GET /announce HTTP/1.0'), { query: '', keepAlive: false, http10: true, forwardedFor: undefined });
  assert.equal(readAnnounceHead(`GET /announce?${q} HTTP/1.0\r\nConnection: Keep-Alive`)?.keepAlive, true);
  assert.equal(readAnnounceHead(`GET /announce?${q} HTTP/1.1\r\nconnection: close\r\nHOST: a`)?.keepAlive, false);
  assert.equal(readAnnounceHead(`GET /announce?${q} HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 10.0.0.1\r\nx-forwarded-for: 10.0.0.2`)?.forwardedFor, '10.0.0.1,10.0.0.2');
  assert.equal(readAnnounceHead(`GET /announce?${q} HTTP/1.1\r\nHost: a\r\nContent-Length: 0`)?.query, q);
  for (const head of [
    `HEAD /announce?${q} HTTP/1.1`,
    `POST /announce?${q} HTTP/1.1`,
    `GET /scrape?${q} HTTP/1.1`,
    `GET /announce.php?${q} HTTP/1.1`,
    `GET /announcex HTTP/1.1`,
    `GET http://t/announce?${q} HTTP/1.1`,
    `GET /announce?${q} HTTP/2.0`,
    `GET /announce?${q}`,
    `GET /announce?${q} HTTP/1.1`,
    `GET /announce?${q} HTTP/1.1\r\nHosts: a`,
    `GET /announce? a HTTP/1.1`,
    `GET /announce?${q} HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade`,
    `GET /announce?${q} HTTP/1.1\r\nHost: a\r\nContent-Length: 5`,
    `GET /announce?${q} HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked`,
    `GET /announce?${q} HTTP/1.1\r\nHost: a\r\nExpect: 100-continue`,
    `GET /announce?${q} HTTP/1.1\r\nHost: a\r\nno colon here`,
    `GET /announce?${q} HTTP/1.1\r\nHost: a\r\nHost : a`,
    `GET /announce?${q} HTTP/1.1\r\nHost: a\r\n: a`,
  ]) {
    assert.equal(readAnnounceHead(head), undefined, head);
  }
});

test('readAnnounceHead: random and mutated heads give an answer or undefined, never an exception', () => {
  const r = new SeededRng(Number(process.env.FUZZ_SEED ?? 77));
  const base = 'GET /announce?info_hash=%aa&port=1 HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\nX-Forwarded-For: 1.2.3.4';
  const alphabet = 'GET /anouce?&=%: \r\nHTPkalivxXF-1.0';
  for (let i = 0; i < 20_000; i++) {
    let s = i % 2 === 0 ? base : '';
    const edits = 1 + r.int(6);
    for (let e = 0; e < edits; e++) {
      const at = r.int(s.length + 1);
      const ch = r.int(4) === 0 ? String.fromCharCode(r.int(256)) : alphabet[r.int(alphabet.length)];
      s = r.int(2) === 0 ? s.slice(0, at) + ch + s.slice(at) : s.slice(0, at) + s.slice(at + 1);
    }
    const head = readAnnounceHead(s);
    if (head) assert.equal(typeof head.query, 'string');
  }
});

/** A raw HTTP client on one connection: sends bytes, reads whole responses (Content-Length framed). */
class RawClient {
  private buf = Buffer.alloc(0);
  private waiting: (() => void) | undefined;
  closed = false;
  readonly socket: Socket;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.waiting?.();
    });
    this.socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
    this.socket.on('error', () => {});
  }

  send(s: string): void {
    this.socket.write(s);
  }

  /** The next response: status, lower-case headers, body. */
  async response(): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    for (let i = 0; i < 200; i++) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end >= 0) {
        const lines = this.buf.subarray(0, end).toString('latin1').split('\r\n');
        const headers: Record<string, string> = {};
        for (const l of lines.slice(1)) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
        const length = Number(headers['content-length']);
        if (this.buf.length >= end + 4 + length) {
          const body = this.buf.subarray(end + 4, end + 4 + length);
          this.buf = this.buf.subarray(end + 4 + length);
          return { status: Number(lines[0].split(' ')[1]), headers, body };
        }
      }
      if (this.closed) break;
      await new Promise<void>((r) => {
        this.waiting = r;
        setTimeout(r, 50);
      });
      this.waiting = undefined;
    }
    throw new Error(`no response (closed: ${this.closed}, buffered: ${JSON.stringify(this.buf.toString("latin1").slice(0, 300))})`);
  }

  async closedByServer(): Promise<boolean> {
    for (let i = 0; i < 100 && !this.closed; i++) await new Promise((r) => setTimeout(r, 20));
    return this.closed;
  }
}

function announcePath(n: number, extra = ''): string {
  const q = buildAnnounceQuery({
    infoHash: new Uint8Array(20).fill(7),
    peerId: new TextEncoder().encode(`-TK0100-${String(n).padStart(12, '0')}`),
    port: 6000 + n,
    uploaded: 0,
    downloaded: 0,
    left: n % 2,
    event: 'started',
    numwant: 50,
    compact: true,
  });
  return `/announce?${q}${extra}`;
}

function peersOf(body: Buffer): string[] {
  const d = decode(body) as Record<string, unknown>;
  const peers = d.peers as Uint8Array;
  const out: string[] = [];
  for (let i = 0; i + 6 <= peers.length; i += 6) out.push(`${peers.slice(i, i + 4).join('.')}:${(peers[i + 4] << 8) | peers[i + 5]}`);
  return out.sort();
}

test('fast path on real sockets: keep-alive, pipelining, HTTP/1.0, hand-over mid-connection, heads in pieces', async (t) => {
  const tr = await startTracker({ httpPort: 0, store: 'memory:', trustProxy: true });
  t.after(() => tr.close());
  const c = new RawClient(tr.httpPort!);
  t.after(() => c.socket.destroy());
  // Three pipelined announces in one write, answered in order on one connection.
  c.send([1, 2, 3].map((n) => `GET ${announcePath(n)} HTTP/1.1\r\nHost: t\r\n\r\n`).join(''));
  const answers = [await c.response(), await c.response(), await c.response()];
  assert.deepEqual(
    answers.map((a) => a.status),
    [200, 200, 200],
  );
  assert.equal(answers[0].headers['content-type'], 'text/plain');
  assert.deepEqual(peersOf(answers[2].body), ['127.0.0.1:6001', '127.0.0.1:6002']);
  // A failure reason, counted, on the same connection.
  c.send('GET /announce?info_hash=abc HTTP/1.1\r\nHost: t\r\n\r\n');
  const bad = await c.response();
  assert.equal(bad.status, 200);
  assert.match(bad.body.toString(), /failure reason/);
  // An announce followed by a statistics request in one write: the second hands the connection
  // over to node:http, which answers it and what follows.
  c.send(`GET ${announcePath(4)} HTTP/1.1\r\nHost: t\r\n\r\nGET /stats.json HTTP/1.1\r\nHost: t\r\n\r\n`);
  assert.equal((await c.response()).status, 200);
  const stats = await c.response();
  assert.equal(stats.headers['content-type'], 'application/json');
  const s = JSON.parse(stats.body.toString()) as { announces: { http: number }; errors: Record<string, number> };
  assert.equal(s.announces.http, 4);
  assert.equal(s.errors.BT_ERR_TRACKER_BAD_INFO_HASH, 1);
  // Announces after the hand-over are answered by node:http with the client's real address.
  c.send(`GET ${announcePath(5)} HTTP/1.1\r\nHost: t\r\n\r\n`);
  assert.deepEqual(peersOf((await c.response()).body), ['127.0.0.1:6001', '127.0.0.1:6002', '127.0.0.1:6003', '127.0.0.1:6004']);

  // A head in two pieces goes to node:http, which answers it whole.
  const p = new RawClient(tr.httpPort!);
  t.after(() => p.socket.destroy());
  const head = `GET ${announcePath(13)} HTTP/1.1\r\nHost: t\r\n\r\n`;
  p.send(head.slice(0, 30));
  await new Promise((r) => setTimeout(r, 50));
  p.send(head.slice(30));
  assert.equal(peersOf((await p.response()).body).length, 5);

  // HTTP/1.0 without keep-alive, and Connection: close: answered, then closed.
  const old = new RawClient(tr.httpPort!);
  old.send(`GET ${announcePath(7)} HTTP/1.0\r\n\r\n`);
  const o = await old.response();
  assert.equal(o.status, 200);
  assert.equal(o.headers.connection, 'close');
  assert.ok(await old.closedByServer());
  const closing = new RawClient(tr.httpPort!);
  closing.send(`GET ${announcePath(8)} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`);
  assert.equal((await closing.response()).status, 200);
  assert.ok(await closing.closedByServer());
  // HTTP/1.0 with keep-alive stays open and says so.
  const ka = new RawClient(tr.httpPort!);
  t.after(() => ka.socket.destroy());
  ka.send(`GET ${announcePath(9)} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n`);
  assert.equal((await ka.response()).headers.connection, 'keep-alive');
  ka.send(`GET ${announcePath(9)} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n`);
  assert.equal((await ka.response()).status, 200);

  // Behind a trusted proxy, the first X-Forwarded-For address is the peer's.
  const proxied = new RawClient(tr.httpPort!);
  t.after(() => proxied.socket.destroy());
  proxied.send(`GET ${announcePath(10)} HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: 10.9.8.7, 127.0.0.1\r\n\r\n`);
  await proxied.response();
  proxied.send(`GET ${announcePath(11)} HTTP/1.1\r\nHost: t\r\n\r\n`);
  assert.ok(peersOf((await proxied.response()).body).includes('10.9.8.7:6010'));
});

test('fast path: X-Forwarded-For is ignored unless the proxy is trusted', async (t) => {
  const tr = await startTracker({ httpPort: 0, store: 'memory:' });
  t.after(() => tr.close());
  const c = new RawClient(tr.httpPort!);
  t.after(() => c.socket.destroy());
  c.send(`GET ${announcePath(2)} HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: 10.9.8.7\r\n\r\n`);
  await c.response();
  c.send(`GET ${announcePath(3)} HTTP/1.1\r\nHost: t\r\n\r\n`);
  assert.deepEqual(peersOf((await c.response()).body), ['127.0.0.1:6002']);
});

test('fast path: a connection that sends nothing is closed after the header timeout', async (t) => {
  const tr = await startTracker({ httpPort: 0, store: 'memory:', headersTimeoutMs: 300 });
  t.after(() => tr.close());
  const silent = new RawClient(tr.httpPort!);
  t.after(() => silent.socket.destroy());
  assert.ok(await silent.closedByServer(), 'closed within the header timeout');
  const stats = new RawClient(tr.httpPort!);
  t.after(() => stats.socket.destroy());
  stats.send('GET /stats.json HTTP/1.1\r\nHost: t\r\n\r\n');
  const errors = (JSON.parse((await stats.response()).body.toString()) as { errors: Record<string, number> }).errors;
  assert.equal(errors.BT_ERR_TRACKER_HTTP_TIMEOUT, 1, 'and counted');
  // One that announced stays open past it (keep-alive).
  const c = new RawClient(tr.httpPort!);
  t.after(() => c.socket.destroy());
  c.send(`GET ${announcePath(1)} HTTP/1.1\r\nHost: t\r\n\r\n`);
  await c.response();
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(c.closed, false, 'a keep-alive connection outlives the header timeout');
});
