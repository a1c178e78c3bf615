/**
 * The HTTP tracker's fast path on node:net. Nearly every request a tracker serves is a small
 * `GET /announce?...` on a keep-alive connection, and node:http spends more CPU on one of them (a
 * parser callback into JavaScript, a request and a response stream object, header objects,
 * `finish` events) than the tracker spends answering it. This front end reads each request head
 * straight from the socket and answers an announce to a store in this process with one write.
 *
 * It serves only what it fully understands: a complete `GET /announce` head in HTTP/1.0 or 1.1
 * (with Host), within the size cap, without a body, an upgrade or an expectation. Any other request (scrape, statistics, WebSocket
 * upgrades, other methods or paths, malformed or oversized heads, a head that arrives in pieces)
 * hands the connection over to node:http with the bytes read so far, and node:http answers it and
 * everything after it on that connection with its own parser, limits and timeouts. So a slow or
 * hostile client meets node:http's header timeout and size cap exactly as before.
 */
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { unmapIPv4 } from '../../codecs/tracker/ip.js';

export interface FastAnswer {
  status: 200 | 500;
  body: Uint8Array;
  /**
   * Bytes in front of `body` in its buffer that belong to this answer (see withHeadRoom): the
   * response head is written there and head and body leave as one view, without a copy.
   */
  headRoom?: number;
}

/** Room reserved in front of an answer's body for the response head (which takes ~70-130 bytes). */
export const HEAD_ROOM = 160;

/**
 * A buffer of `length` bytes from Node's pool (no allocation of its own for the small answers of
 * a tracker) with HEAD_ROOM bytes in front of it for the response head.
 */
export function withHeadRoom(length: number): Uint8Array {
  return Buffer.allocUnsafe(HEAD_ROOM + length).subarray(HEAD_ROOM);
}

export interface FastPathOptions {
  /** Answers the raw query string of an announce from `ip` at once (failures included). */
  announce(query: string, ip: string): FastAnswer;
  /** Take the client address from X-Forwarded-For (behind a trusted proxy; see tracker-http.ts). */
  forwardedIp?: (header: string) => string | undefined;
  /** Longest head answered here; a longer one goes to node:http, which refuses it (431). */
  maxHeadBytes: number;
  /** A connection that sends nothing this long after it opened is closed (node:http's header timeout). */
  headersTimeoutMs: number;
  /** Called when a connection is closed for sending nothing (counted like node:http's header timeouts). */
  onHeadersTimeout?: () => void;
  /** A keep-alive connection idle this long after an answer is closed. */
  keepAliveTimeoutMs: number;
  /** node:http takes over a connection (a stream that replays what was read first). */
  handOver(connection: Duplex): void;
}

const HEAD_END = '\r\n\r\n';
const STATUS_LINE = { 200: 'HTTP/1.1 200 OK\r\n', 500: 'HTTP/1.1 500 Internal Server Error\r\n' } as const;

/** Serves one accepted connection; returns when it is set up (answers run on its data events). */
export function serveFast(socket: Socket, options: FastPathOptions): void {
  new FastConnection(socket, options);
}

/** What a request head asks, when the fast path can answer it. */
interface AnnounceHead {
  query: string;
  keepAlive: boolean;
  http10: boolean;
  forwardedFor: string | undefined;
}

/**
 * Reads a request head (latin1, without the blank line): an announce the fast path answers, or
 * undefined for anything else (node:http then decides, errors included).
 */
export function readAnnounceHead(head: string): AnnounceHead | undefined {
  if (!head.startsWith('GET /announce')) return undefined;
  let lineEnd = head.indexOf('\r\n');
  if (lineEnd < 0) lineEnd = head.length;
  const sp = head.lastIndexOf(' ', lineEnd);
  if (sp <= 4) return undefined;
  const version = head.slice(sp + 1, lineEnd);
  const http10 = version === 'HTTP/1.0';
  if (!http10 && version !== 'HTTP/1.1') return undefined;
  const target = head.slice(4, sp);
  if (target.includes(' ')) return undefined;
  let query: string;
  if (target === '/announce') query = '';
  else if (target.charCodeAt(9) === 0x3f /* ? */) query = target.slice(10);
  else return undefined;
  let keepAlive = !http10;
  let forwardedFor: string | undefined;
  // HTTP/1.1 requires Host (RFC 9112, 3.2); node:http answers its absence with 400.
  let host = http10;
  // Header lines: only the few that change how to answer are looked at; a line node:http would
  // reject (no colon, a space before it) sends the request there.
  for (let pos = lineEnd + 2; pos < head.length; ) {
    let end = head.indexOf('\r\n', pos);
    if (end < 0) end = head.length;
    const colon = head.indexOf(':', pos);
    if (colon <= pos || colon > end || head.charCodeAt(colon - 1) === 0x20 || head.charCodeAt(colon - 1) === 0x09) return undefined;
    const n = colon - pos;
    // Compared only when the length matches: most lines (Host, User-Agent, Accept) cost one test.
    if (n === 4) host ||= head.slice(pos, colon).toLowerCase() === 'host';
    else if (n === 10 || n === 7 || n === 14 || n === 17 || n === 6 || n === 15) {
      const name = head.slice(pos, colon).toLowerCase();
      const value = head.slice(colon + 1, end).trim();
      if (name === 'connection') {
        const v = value.toLowerCase();
        if (v.includes('upgrade')) return undefined;
        if (v.includes('close')) keepAlive = false;
        else if (v.includes('keep-alive')) keepAlive = true;
      } else if (name === 'upgrade' || name === 'transfer-encoding' || name === 'expect') return undefined;
      else if (name === 'content-length' && value !== '0') return undefined;
      else if (name === 'x-forwarded-for') forwardedFor = forwardedFor === undefined ? value : `${forwardedFor},${value}`;
    }
    pos = end + 2;
  }
  return host ? { query, keepAlive, http10, forwardedFor } : undefined;
}

class FastConnection {
  private ip: string | undefined;
  private ended = false;
  private answered = false;
  private readonly onData = (chunk: Buffer) => this.read(chunk);

  constructor(
    private readonly socket: Socket,
    private readonly options: FastPathOptions,
  ) {
    socket.setNoDelay(true);
    // Until its first request a connection gets the header timeout, then the keep-alive one.
    socket.setTimeout(options.headersTimeoutMs, () => {
      if (!this.answered) options.onHeadersTimeout?.();
      socket.destroy();
    });
    socket.on('data', this.onData);
    // A reset connection: 'close' follows, nothing to answer.
    socket.on('error', () => {});
  }

  private read(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length && !this.ended) {
      const end = chunk.indexOf(HEAD_END, start, 'latin1');
      const head = end < 0 || end - start > this.options.maxHeadBytes ? undefined : readAnnounceHead(chunk.toString('latin1', start, end));
      if (!head) {
        this.handOver(chunk.subarray(start));
        return;
      }
      this.answer(head);
      start = end + 4;
    }
  }

  private answer(head: AnnounceHead): void {
    let ip = head.forwardedFor !== undefined ? this.options.forwardedIp?.(head.forwardedFor) : undefined;
    ip ??= this.ip ??= unmapIPv4(this.socket.remoteAddress ?? '0.0.0.0');
    const { status, body, headRoom = 0 } = this.options.announce(head.query, ip);
    const connection = !head.keepAlive ? 'Connection: close\r\n' : head.http10 ? 'Connection: keep-alive\r\n' : '';
    const top = `${STATUS_LINE[status]}Content-Type: text/plain\r\nContent-Length: ${body.length}\r\n${connection}\r\n`;
    // One buffer, one write: the head and the body leave in one segment.
    const fits = top.length <= headRoom;
    const out = fits ? Buffer.from(body.buffer, body.byteOffset - top.length, top.length + body.length) : Buffer.allocUnsafe(top.length + body.length);
    out.write(top, 0, 'latin1');
    if (!fits) out.set(body, top.length);
    if (head.keepAlive) {
      this.socket.write(out);
      if (!this.answered) {
        this.answered = true;
        this.socket.setTimeout(this.options.keepAliveTimeoutMs);
      }
    } else {
      this.ended = true;
      this.socket.end(out);
    }
  }

  private handOver(rest: Buffer): void {
    this.ended = true;
    this.socket.off('data', this.onData);
    this.socket.setTimeout(0);
    this.options.handOver(new HandedOver(this.socket, rest));
  }
}

/**
 * A connection as node:http receives it after a hand-over: the bytes already read come first, then
 * the socket's; writes, ends, timeouts and the peer's address go to and come from the socket.
 */
class HandedOver extends Duplex {
  constructor(
    private readonly socket: Socket,
    first: Buffer,
  ) {
    super({ allowHalfOpen: false });
    if (first.length > 0) this.push(first);
    socket.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('timeout', () => this.emit('timeout'));
    socket.on('close', () => this.destroy());
    socket.on('error', (err) => this.destroy(err));
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }

  get remoteFamily(): string | undefined {
    return this.socket.remoteFamily;
  }

  get localAddress(): string | undefined {
    return this.socket.localAddress;
  }

  get localPort(): number | undefined {
    return this.socket.localPort;
  }

  setTimeout(ms: number, onTimeout?: () => void): this {
    this.socket.setTimeout(ms);
    if (onTimeout) this.once('timeout', onTimeout);
    return this;
  }

  setNoDelay(noDelay?: boolean): this {
    this.socket.setNoDelay(noDelay);
    return this;
  }

  setKeepAlive(enable?: boolean, delayMs?: number): this {
    this.socket.setKeepAlive(enable, delayMs);
    return this;
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.socket.write(chunk, encoding, done);
  }

  override _final(done: (err?: Error | null) => void): void {
    this.socket.end(() => done());
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.socket.destroy();
    done(err);
  }
}
