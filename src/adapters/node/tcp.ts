/**
 * StreamTransport over node:net (TCP, IPv4 and IPv6). Connections have Nagle off (`setNoDelay`:
 * the wire protocol sends many small messages that must not wait), report backpressure through
 * `write()`'s return value and 'drain', and support pause/resume for receive backpressure. Writes
 * within one tick are corked together so that small messages do not each cost a syscall.
 *
 * Outgoing connections read into one reused buffer (net's `onread`) instead of a new 64 KiB
 * Buffer per read: at hundreds of MB/s those buffers are garbage that only a GC frees, which
 * costs CPU and tens of MB of peak memory. Their chunks are therefore `volatileData` (valid only
 * during the onData call). Accepted connections move to such a socket too (see adoptAccepted).
 */
import { createServer, type Server, Socket } from 'node:net';
import type { StreamConnection, StreamListener, StreamTransport } from '../../ports/transport.js';
import { copyBytes } from '../../util/bytes.js';
import { TorrentkitError } from '../../util/errors.js';

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * The read buffer all connections share: each read is handed on and consumed
 * synchronously, before the event loop can run another socket's read.
 */
const SHARED_READ_BUFFER = new Uint8Array(256 * 1024);
/** Writes up to this size are coalesced (see TcpConnection.write). */
const SMALL_WRITE_BYTES = 64;
const SMALL_BUFFER_BYTES = 8 * 1024;

class TcpConnection implements StreamConnection {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  private closeHandler: ((err?: Error) => void) | undefined;
  private closed = false;
  private error: Error | undefined;

  private dataHandler: ((data: Uint8Array) => void) | undefined;
  /** Volatile chunks that arrived before a data handler was set, copied. */
  private early: Uint8Array[] = [];

  constructor(
    private readonly socket: Socket,
    readonly volatileData = false,
  ) {
    socket.setNoDelay(true);
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    this.localAddress = socket.localAddress ?? '';
    this.localPort = socket.localPort ?? 0;
    socket.on('error', (err) => {
      this.error ??= err;
    });
    socket.on('close', () => {
      this.closed = true;
      this.closeHandler?.(this.error);
    });
  }

  write(data: Uint8Array, onWritten?: () => void): boolean {
    if (this.socket.destroyed || this.socket.writableEnded) {
      onWritten?.();
      return false;
    }
    // Writes made in one tick leave in one writev (a piece header and its block, a burst of
    // requests or haves) instead of one syscall and, with Nagle off, one segment each.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    // Small messages (requests, cancels, haves, piece headers) are also copied into one buffer:
    // a fast download sends tens of thousands of 17-byte requests a second, and each separate
    // socket.write costs far more than its bytes. Order is kept: a big write flushes them first.
    if (data.length <= SMALL_WRITE_BYTES) {
      if (this.smallLength + data.length > this.small.length) this.flushSmall();
      this.small.set(data, this.smallLength);
      this.smallLength += data.length;
      onWritten?.();
      return !this.socket.writableNeedDrain;
    }
    this.flushSmall();
    // node:net calls back once the bytes are written, or with an error when the socket is destroyed.
    return this.socket.write(data, onWritten);
  }

  private corked = false;
  private readonly small = new Uint8Array(SMALL_BUFFER_BYTES);
  private smallLength = 0;
  private readonly uncork = (): void => {
    this.corked = false;
    this.flushSmall();
    this.socket.uncork();
  };

  private flushSmall(): void {
    if (this.smallLength === 0) return;
    // A copy of the used part: the socket holds on to what it is given until it is sent.
    const out = this.small.slice(0, this.smallLength);
    this.smallLength = 0;
    if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.write(out);
  }

  onData(handler: (data: Uint8Array) => void): void {
    if (this.volatileData) {
      this.dataHandler = handler;
      const early = this.early;
      this.early = [];
      for (const chunk of early) handler(chunk);
      return;
    }
    this.socket.removeAllListeners('data');
    // Buffer is a Uint8Array: handed on as is, no copy.
    this.socket.on('data', handler);
  }

  /** A read into the shared buffer (outgoing connections). */
  receive(chunk: Uint8Array): void {
    if (this.dataHandler) this.dataHandler(chunk);
    else this.early.push(copyBytes(chunk));
  }

  onDrain(handler: () => void): void {
    this.socket.removeAllListeners('drain');
    this.socket.on('drain', handler);
  }

  onClose(handler: (err?: Error) => void): void {
    this.closeHandler = handler;
    if (this.closed) handler(this.error);
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  close(destroy = false): void {
    if (destroy) this.socket.destroy();
    else if (!this.socket.writableEnded) {
      this.flushSmall();
      this.socket.end();
      // A peer that never closes its side would keep the socket half open: net's default
      // allowHalfOpen=false ends ours once the peer's FIN arrives; destroy after a grace period.
      setTimeout(() => this.socket.destroy(), 5_000).unref();
    }
  }
}

class TcpListener implements StreamListener {
  constructor(
    private readonly server: Server,
    readonly address: string,
    readonly port: number,
    private readonly sockets: Set<Socket>,
  ) {}

  close(): Promise<void> {
    return new Promise((resolve) => {
      for (const s of this.sockets) s.destroy();
      this.server.close(() => resolve());
    });
  }
}

function connectError(err: NodeJS.ErrnoException, host: string, port: number): TorrentkitError {
  const where = `${host}:${port}`;
  if (err.code === 'ECONNREFUSED') return new TorrentkitError('BT_ERR_CONNECTION_REFUSED', `connection refused by ${where}`, { cause: err });
  return new TorrentkitError('BT_ERR_CONNECT_FAILED', `cannot connect to ${where}: ${err.message}`, { cause: err });
}

/**
 * Bytes a socket buffers before `write` reports backpressure. Node's default (16 KiB) is less than
 * one block message, so an uploader would wait for 'drain' after every block; half a MiB keeps a
 * fast peer's pipe full (libtorrent's send buffer watermark is of this order). The blocks are
 * views of cached pieces, so this adds little memory.
 */
const SEND_HIGH_WATER_BYTES = 512 * 1024;

/**
 * An accepted socket that reads into the shared buffer like an outgoing one. net.Server has no
 * `onread` option, but net.Socket takes an existing handle together with one: the server accepts
 * with its reads paused, the connection's handle moves to a new socket built with `onread`, and the
 * server's socket, left without a handle, is destroyed (which only counts the connection as closed
 * for the server). Receiving a block then allocates no Buffer; a swarm peer gets half its data
 * over accepted connections. Uses node:net's `_handle`; when a Node without it hands over no
 * handle, the accepted socket is used as it is (undefined).
 */
function adoptAccepted(accepted: Socket, receive: (chunk: Uint8Array) => void): Socket | undefined {
  const inner = accepted as unknown as { _handle?: { readStart?: unknown } | null };
  const handle = inner._handle;
  if (handle === null || typeof handle !== 'object' || typeof handle.readStart !== 'function') return undefined;
  inner._handle = null;
  accepted.destroy();
  return new Socket({
    handle,
    readable: true,
    writable: true,
    writableHighWaterMark: SEND_HIGH_WATER_BYTES,
    onread: { buffer: SHARED_READ_BUFFER, callback: (n: number, buf: Uint8Array) => receive(buf.subarray(0, n)) },
  } as ConstructorParameters<typeof Socket>[0]);
}

/** TCP over node:net. */
export const tcpTransport: StreamTransport = {
  connect({ host, port, localAddress, signal, timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS }) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(new TorrentkitError('BT_ERR_ABORTED', 'connect aborted', { cause: signal.reason }));
        return;
      }
      let conn: TcpConnection | undefined;
      // writableHighWaterMark: a stream option that @types/node leaves out of SocketConstructorOpts;
      // node:net honours it, and `onread` (reads into our buffer, no Buffer per read).
      const socket = new Socket({
        writableHighWaterMark: SEND_HIGH_WATER_BYTES,
        onread: {
          buffer: SHARED_READ_BUFFER,
          callback: (n: number, buf: Uint8Array) => {
            conn?.receive(buf.subarray(0, n));
          },
        },
      } as ConstructorParameters<typeof Socket>[0]);
      let done = false;
      const finish = (err?: TorrentkitError): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        socket.off('error', onError);
        if (err) {
          socket.destroy();
          reject(err);
        } else {
          conn = new TcpConnection(socket, true);
          resolve(conn);
        }
      };
      const onAbort = (): void => finish(new TorrentkitError('BT_ERR_ABORTED', 'connect aborted', { cause: signal?.reason }));
      const onError = (err: Error): void => finish(connectError(err, host, port));
      const timer = setTimeout(
        () => finish(new TorrentkitError('BT_ERR_CONNECT_TIMEOUT', `no connection to ${host}:${port} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.once('error', onError);
      socket.connect({ host, port, localAddress }, () => finish());
    });
  },

  listen({ port, host }, onConnection) {
    return new Promise((resolve, reject) => {
      const sockets = new Set<Socket>();
      const server = createServer({ noDelay: true, highWaterMark: SEND_HIGH_WATER_BYTES, pauseOnConnect: true }, (accepted) => {
        const to: { conn?: TcpConnection } = {};
        const adopted = adoptAccepted(accepted, (chunk) => to.conn?.receive(chunk));
        const socket = adopted ?? accepted;
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
        const conn = new TcpConnection(socket, adopted !== undefined);
        to.conn = conn;
        if (adopted === undefined) accepted.resume();
        onConnection(conn);
      });
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(
          err.code === 'EADDRINUSE'
            ? new TorrentkitError('BT_ERR_ADDRESS_IN_USE', `${host}:${port} is already in use`, { cause: err })
            : new TorrentkitError('BT_ERR_LISTEN_FAILED', `cannot listen on ${host}:${port}: ${err.message}`, { cause: err }),
        );
      });
      server.listen({ port, host, ipv6Only: host.includes(':') && host !== '::' }, () => {
        const a = server.address();
        const bound = typeof a === 'object' && a ? a : { address: host, port };
        server.on('error', () => {});
        resolve(new TcpListener(server, bound.address, bound.port, sockets));
      });
    });
  },
};
