/**
 * The tracker's HTTP front end on node:http: `/announce`, `/scrape` (BEP 3, BEP 48), `/stats`
 * (HTML), `/stats.json`, `/metrics` (Prometheus). The raw query string is parsed by the tracker
 * codec (never by a URL parser that would decode `info_hash` as UTF-8). Slow or oversized
 * requests are dropped by node:http's header and request timeouts and header size cap; every
 * rejection is counted in the statistics. With a store in this process, connections arrive at
 * the fast path first (tracker-http-fast.ts), which answers plain announces itself and hands
 * every other request, with its connection, to the node:http server here.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { TrackerError, TrackerErrorCode as E } from '../../codecs/tracker/errors.js';
import { parseIPv4, parseIPv6, unmapIPv4 } from '../../codecs/tracker/ip.js';
import { parseAnnounceQuery, parseScrapeQuery } from '../../codecs/tracker/query.js';
import { encodeAnnounceResponse, encodeFailure, encodeScrapeResponse } from '../../codecs/tracker/response.js';
import type { AnnounceOutcome, TrackerCore } from '../../engines/tracker-server/core.js';
import type { Clock } from '../../ports/clock.js';
import type { Rng } from '../../ports/rng.js';
import { systemClock } from './clock.js';
import { cryptoRng } from './rng.js';
import { type FastAnswer, HEAD_ROOM, serveFast, withHeadRoom } from './tracker-http-fast.js';
import { WsTracker } from './tracker-ws.js';
import { renderMetrics, renderStatsHtml, renderStatsJson } from '../../engines/tracker-server/stats-render.js';

export interface HttpTrackerOptions {
  port: number;
  host: string;
  /** Take the client address from the first X-Forwarded-For entry (only behind a trusted proxy). */
  trustProxy?: boolean;
  /** Drop a connection that has not sent complete headers within this many ms. */
  headersTimeoutMs?: number;
  /** Largest request head accepted, in bytes. */
  maxHeaderBytes?: number;
  /** Accept WebSocket (WebTorrent) announces on this port. */
  ws?: boolean;
  /** Randomness for the WebSocket offer relay. */
  rng?: Rng;
  /** Time for the WebSocket relay (default: the system clock). */
  clock?: Clock;
}

export interface RunningHttpTracker {
  readonly port: number;
  readonly address: string;
  close(): Promise<void>;
}

/** The client's address from an X-Forwarded-For value: its first entry, when it is an address. */
function forwardedIp(xff: string): string | undefined {
  const first = xff.split(',')[0]?.trim();
  return first && (parseIPv4(first) || parseIPv6(first)) ? unmapIPv4(first) : undefined;
}

function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const xff = req.headers['x-forwarded-for'];
    const ip = xff === undefined ? undefined : forwardedIp(Array.isArray(xff) ? xff[0] : xff);
    if (ip) return ip;
  }
  return unmapIPv4(req.socket.remoteAddress ?? '0.0.0.0');
}

function send(res: ServerResponse, status: number, type: string, body: Uint8Array | string): void {
  // The flat header array skips node:http's header object walk (this is the hot path).
  res.writeHead(status, ['Content-Type', type, 'Content-Length', String(typeof body === 'string' ? Buffer.byteLength(body) : body.length)]);
  res.end(body);
}

const KEEP_ALIVE_TIMEOUT_MS = 15_000;

export async function startHttpTracker(core: TrackerCore, options: HttpTrackerOptions): Promise<RunningHttpTracker> {
  const trustProxy = options.trustProxy ?? false;
  const headersTimeout = options.headersTimeoutMs ?? 5000;
  const maxHeaderBytes = options.maxHeaderBytes ?? 8192;
  const server: Server = createServer({
    maxHeaderSize: maxHeaderBytes,
    headersTimeout,
    requestTimeout: headersTimeout * 2,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    connectionsCheckingInterval: Math.min(1000, headersTimeout),
  });

  /** The answer to a failed request, counted in the statistics. */
  const failed = (err: unknown): FastAnswer => {
    if (err instanceof TrackerError) {
      core.reject(err.code);
      // Trackers answer failures with status 200 so that every client reads the reason.
      return { status: 200, body: encodeFailure(err.reason) };
    }
    core.reject('BT_ERR_INTERNAL');
    return { status: 500, body: encodeFailure('internal error') };
  };
  const failure = (res: ServerResponse, err: unknown) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const f = failed(err);
    send(res, f.status, 'text/plain', f.body);
  };
  const announceBody = (out: AnnounceOutcome, p: { compact: boolean; noPeerId: boolean }, alloc?: (length: number) => Uint8Array) =>
    encodeAnnounceResponse(
      {
        interval: out.interval,
        minInterval: out.minInterval,
        complete: out.complete,
        incomplete: out.incomplete,
        peers: out.peers,
        peers4: out.peers4,
        peers6: out.peers6,
        compact: p.compact,
        noPeerId: p.noPeerId,
      },
      alloc,
    );
  let lastAnswer: Uint8Array | undefined;
  const allocAnswer = (length: number): Uint8Array => (lastAnswer = withHeadRoom(length));
  /** An announce to a store in this process, answered at once (no promise per announce). */
  const announceNow = (query: string, ip: string): FastAnswer => {
    try {
      const p = parseAnnounceQuery(query);
      const body = announceBody(core.announceSync(p, { transport: 'http', ip })!, p, allocAnswer);
      // Only an answer that came from allocAnswer has the head room (others are encoded elsewhere).
      const headRoom = body === lastAnswer ? HEAD_ROOM : 0;
      lastAnswer = undefined;
      return { status: 200, body, headRoom };
    } catch (err) {
      return failed(err);
    }
  };

  const sync = core.answersSynchronously;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q >= 0 ? url.slice(0, q) : url;
    const query = q >= 0 ? url.slice(q + 1) : '';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      core.reject('BT_ERR_TRACKER_HTTP_METHOD');
      res.setHeader('Connection', 'close');
      send(res, 405, 'text/plain', 'method not allowed\n');
      return;
    }
    if (path === '/announce') {
      if (sync) {
        const a = announceNow(query, clientIp(req, trustProxy));
        send(res, a.status, 'text/plain', a.body);
        return;
      }
      let p;
      try {
        p = parseAnnounceQuery(query);
      } catch (err) {
        failure(res, err);
        return;
      }
      core
        .announce(p, { transport: 'http', ip: clientIp(req, trustProxy) })
        .then((out) => send(res, 200, 'text/plain', announceBody(out, p)))
        .catch((err: unknown) => failure(res, err));
      return;
    }
    if (path === '/scrape') {
      let hashes;
      try {
        hashes = parseScrapeQuery(query);
      } catch (err) {
        failure(res, err);
        return;
      }
      core
        .scrape(hashes, 'http')
        .then((entries) => send(res, 200, 'text/plain', encodeScrapeResponse(entries)))
        .catch((err: unknown) => failure(res, err));
      return;
    }
    if (path === '/stats' || path === '/stats.json' || path === '/metrics') {
      core
        .snapshot()
        .then((view) => {
          if (path === '/stats') send(res, 200, 'text/html; charset=utf-8', renderStatsHtml(view));
          else if (path === '/stats.json') send(res, 200, 'application/json', renderStatsJson(view));
          else send(res, 200, 'text/plain; version=0.0.4', renderMetrics(view));
        })
        .catch((err: unknown) => failure(res, err));
      return;
    }
    core.reject('BT_ERR_TRACKER_HTTP_NOT_FOUND');
    send(res, 404, 'text/plain', 'not found\n');
  });

  // Malformed requests, oversized heads and header timeouts (slow clients) land here.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    const code =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'ERR_HTTP_HEADERS_TIMEOUT'
        ? 'BT_ERR_TRACKER_HTTP_TIMEOUT'
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? E.TooLarge
          : 'BT_ERR_TRACKER_HTTP_BAD_REQUEST';
    core.reject(code);
    if (socket.writable && code !== 'BT_ERR_TRACKER_HTTP_TIMEOUT') {
      socket.end(code === E.TooLarge ? 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n' : 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    }
    socket.destroy();
  });

  const ws = options.ws ? new WsTracker(core, options.rng ?? cryptoRng, options.clock ?? systemClock) : undefined;
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!ws) {
      core.reject('BT_ERR_TRACKER_HTTP_BAD_REQUEST');
      socket.destroy();
      return;
    }
    ws.handleUpgrade(req, socket, head);
  });

  // With a store in this process the fast path listens and node:http serves what it hands over.
  const fast = new Set<Socket>();
  const listener: Server | NetServer = sync
    ? createNetServer((socket) => {
        fast.add(socket);
        socket.once('close', () => fast.delete(socket));
        serveFast(socket, {
          announce: announceNow,
          forwardedIp: trustProxy ? forwardedIp : undefined,
          headersTimeoutMs: headersTimeout,
          onHeadersTimeout: () => core.reject('BT_ERR_TRACKER_HTTP_TIMEOUT'),
          keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
          maxHeadBytes: maxHeaderBytes,
          handOver: (connection) => {
            fast.delete(socket);
            server.emit('connection', connection);
          },
        });
      })
    : server;
  // node:http starts its header and request timeout checks when it hears `listening`; the server
  // that only takes connections over hears it from here.
  if (listener !== server) server.emit('listening');
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(options.port, options.host, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  const addr = listener.address() as AddressInfo;
  return {
    port: addr.port,
    address: addr.address,
    close: () =>
      new Promise<void>((resolve) => {
        ws?.close();
        listener.close(() => resolve());
        for (const s of fast) s.destroy();
        if (listener !== server) server.close(() => {}); // stops its timeout checks
        server.closeAllConnections();
      }),
  };
}
