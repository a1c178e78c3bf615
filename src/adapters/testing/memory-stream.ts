/**
 * In-memory StreamConnections for tests and deterministic swarm simulations: a connected pair
 * (`createMemoryPair`) and a virtual network of listeners keyed by host:port (`MemoryNetwork`).
 *
 * Behaviour mirrors TCP where the engine can observe it:
 * - bytes arrive in order; a write with `onWritten` is read when it arrives, as a socket reads the
 *   writer's memory when it sends (`onWritten` fires then; memory reused before that arrives
 *   changed, as on a real connection); one without is copied at once;
 * - `write` returns false once more than `highWaterMark` bytes are in flight or unread (paused
 *   receivers hold bytes in flight), and `onDrain` fires when that falls to half of it;
 * - `close()` delivers what was written, then both ends close; `close(true)` closes this end at
 *   once and resets the other after the bytes already in flight (BT_ERR_CONNECTION_RESET);
 * - with a Clock, each direction is a link with `latencyMs` and a `bytesPerSecond` serialisation
 *   rate, driven by the clock's timers (a VirtualClock makes runs replayable); without one,
 *   delivery happens on a microtask;
 * - `sever()` makes a connection silently lose everything in both directions, with no FIN or reset
 *   (a peer that vanished, a cable pulled); `MemoryNetwork.vanish(host)` does that to every
 *   connection of a host and makes new connects to it time out.
 */
import type { Clock } from '../../ports/clock.js';
import type { StreamConnection, StreamListener, StreamTransport } from '../../ports/transport.js';
import { TorrentkitError } from '../../util/errors.js';

export interface LinkOptions {
  /** One-way delay in ms (needs a clock). */
  latencyMs?: number;
  /** Serialisation rate in bytes per second (needs a clock); unlimited when absent. */
  bytesPerSecond?: number;
}

export interface MemoryPairOptions {
  clock?: Clock;
  /** Shaping of both directions (a to b, and b to a unless `reverseLink` is given). */
  link?: LinkOptions;
  /** Shaping of the b-to-a direction. */
  reverseLink?: LinkOptions;
  /** Bytes in flight before `write` returns false (default 256 KiB). */
  highWaterMark?: number;
  a?: { address: string; port: number };
  b?: { address: string; port: number };
}

type Item = { data: Uint8Array } | { end: 'fin' | 'reset' };

const DEFAULT_HIGH_WATER_MARK = 256 * 1024;

class Scheduler {
  constructor(
    readonly clock: Clock | undefined,
    readonly link: LinkOptions,
  ) {}

  linkFreeAt = 0;
  /**
   * Deliveries not yet made, in sending order. Each has its own timer, but a timer delivers every
   * earlier one first: a clock that rounds delays (node:timers truncate them to whole
   * milliseconds) can fire a later delivery's timer before an earlier one's.
   */
  private readonly queue: Array<() => void> = [];
  private sent = 0;
  private delivered = 0;

  /** Schedules `fn` when `bytes` sent now would arrive at the other end. */
  send(bytes: number, fn: () => void): void {
    const clock = this.clock;
    if (!clock) {
      queueMicrotask(fn);
      return;
    }
    const now = clock.now();
    let done = now;
    if (this.link.bytesPerSecond && bytes > 0) {
      done = Math.max(now, this.linkFreeAt) + (bytes * 1000) / this.link.bytesPerSecond;
      this.linkFreeAt = done;
    } else {
      done = Math.max(now, this.linkFreeAt);
    }
    this.queue.push(fn);
    const seq = ++this.sent;
    clock.setTimeout(() => this.deliverThrough(seq), done + (this.link.latencyMs ?? 0) - now);
  }

  private deliverThrough(seq: number): void {
    while (this.delivered < seq) {
      this.delivered++;
      this.queue.shift()!();
    }
  }

  soon(fn: () => void): void {
    if (this.clock) this.clock.setTimeout(fn, 0);
    else queueMicrotask(fn);
  }
}

export class MemoryConnection implements StreamConnection {
  peer!: MemoryConnection;
  /** Bytes this end wrote that the peer has not yet handed to its data handler. */
  inFlight = 0;
  private needDrain = false;
  private ending = false;
  private closed = false;
  private closeError: Error | undefined;
  private paused = false;
  private inbox: Item[] = [];
  private dataHandler: ((data: Uint8Array) => void) | undefined;
  private drainHandler: () => void = () => {};
  private closeHandler: ((err?: Error) => void) | undefined;
  private flushing = false;
  private severed = false;

  constructor(
    readonly localAddress: string,
    readonly localPort: number,
    readonly remoteAddress: string,
    readonly remotePort: number,
    private readonly out: Scheduler,
    private readonly highWaterMark: number,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  write(data: Uint8Array, onWritten?: () => void): boolean {
    if (this.closed || this.ending || this.severed) {
      onWritten?.();
      return !(this.closed || this.ending);
    }
    this.inFlight += data.length;
    const copy = onWritten ? undefined : data.slice();
    this.out.send(data.length, () => {
      const arrived = copy ?? data.slice();
      onWritten?.();
      this.peer.arrive({ data: arrived });
    });
    if (this.inFlight >= this.highWaterMark) this.needDrain = true;
    return !this.needDrain;
  }

  onData(handler: (data: Uint8Array) => void): void {
    this.dataHandler = handler;
    if (this.inbox.length) this.out.soon(() => this.flush());
  }

  onDrain(handler: () => void): void {
    this.drainHandler = handler;
  }

  onClose(handler: (err?: Error) => void): void {
    this.closeHandler = handler;
    if (this.closed) handler(this.closeError);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.out.soon(() => this.flush());
  }

  close(destroy = false): void {
    if (this.closed) return;
    if (destroy) {
      this.out.send(0, () => this.peer.arrive({ end: 'reset' }));
      this.finish();
      return;
    }
    if (this.ending) return;
    this.ending = true;
    this.out.send(0, () => this.peer.arrive({ end: 'fin' }));
  }

  /** Silently drops everything in both directions from now on (no FIN, no reset). */
  sever(): void {
    this.severed = true;
    this.peer.severed = true;
  }

  private arrive(item: Item): void {
    if (this.closed || this.severed) return;
    this.inbox.push(item);
    this.flush();
  }

  private flush(): void {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (!this.closed && this.inbox.length > 0) {
        const item = this.inbox[0];
        if ('end' in item) {
          this.inbox.shift();
          if (item.end === 'reset') {
            this.finish(new TorrentkitError('BT_ERR_CONNECTION_RESET', 'connection reset by peer'));
          } else {
            // FIN after all data: both ends are done (no half-open connections, like net's default).
            this.finish();
            this.peer.finish();
          }
          return;
        }
        if (this.paused || !this.dataHandler) return;
        this.inbox.shift();
        this.peer.delivered(item.data.length);
        this.dataHandler(item.data);
      }
    } finally {
      this.flushing = false;
    }
  }

  /** The peer handed `n` of our bytes to its handler. */
  private delivered(n: number): void {
    this.inFlight -= n;
    if (this.needDrain && this.inFlight <= this.highWaterMark / 2 && !this.closed) {
      this.needDrain = false;
      this.drainHandler();
    }
  }

  private finish(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.closeError = err;
    this.inbox = [];
    this.closeHandler?.(err);
  }
}

/** Two connected in-memory connections. */
export function createMemoryPair(options: MemoryPairOptions = {}): [MemoryConnection, MemoryConnection] {
  const a = options.a ?? { address: '127.0.0.1', port: 50001 };
  const b = options.b ?? { address: '127.0.0.2', port: 50002 };
  const hwm = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
  const link = options.link ?? {};
  const ca = new MemoryConnection(a.address, a.port, b.address, b.port, new Scheduler(options.clock, link), hwm);
  const cb = new MemoryConnection(b.address, b.port, a.address, a.port, new Scheduler(options.clock, options.reverseLink ?? link), hwm);
  ca.peer = cb;
  cb.peer = ca;
  return [ca, cb];
}

export interface MemoryNetworkOptions {
  clock?: Clock;
  /** Shaping of every connection, or per pair of hosts. */
  link?: LinkOptions | ((from: string, to: string) => LinkOptions);
  highWaterMark?: number;
}

interface Listening {
  onConnection: (conn: StreamConnection) => void;
}

/**
 * A virtual network: `transport(host)` gives a StreamTransport whose connections come from `host`;
 * listeners are keyed by host:port; a missing listener refuses (BT_ERR_CONNECTION_REFUSED).
 */
export class MemoryNetwork {
  private readonly listeners = new Map<string, Listening>();
  private readonly unreachable = new Set<string>();
  private readonly live = new Set<MemoryConnection>();
  private nextPort = 40000;

  constructor(private readonly options: MemoryNetworkOptions = {}) {}

  private ephemeral(host: string): number {
    for (let i = 0; i < 25000; i++) {
      const port = this.nextPort++;
      if (this.nextPort > 65535) this.nextPort = 40000;
      if (!this.listeners.has(`${host}:${port}`)) return port;
    }
    throw new TorrentkitError('BT_ERR_ADDRESS_IN_USE', `no free port on ${host}`);
  }

  /**
   * The host drops off the network: its connections go silent (see `sever`) and connects to it
   * time out after `timeoutMs` (on the clock; at once without one). `reachable` brings it back.
   */
  vanish(host: string): void {
    this.unreachable.add(host);
    for (const c of this.live) {
      if (c.localAddress === host || c.remoteAddress === host) c.sever();
    }
  }

  private pruneAt = 64;

  /** Remembers live connections for `vanish`; closed ones are pruned as the set grows. */
  private track(...conns: MemoryConnection[]): void {
    for (const c of conns) this.live.add(c);
    if (this.live.size < this.pruneAt) return;
    for (const c of this.live) if (c.isClosed) this.live.delete(c);
    this.pruneAt = Math.max(64, this.live.size * 2);
  }

  reachable(host: string): void {
    this.unreachable.delete(host);
  }

  transport(localHost = '127.0.0.1'): StreamTransport {
    return {
      connect: (o) => this.connect(localHost, o),
      listen: (o, onConnection) => this.listen(o, onConnection),
    };
  }

  private linkFor(from: string, to: string): LinkOptions {
    const l = this.options.link;
    return typeof l === 'function' ? l(from, to) : (l ?? {});
  }

  private async listen(options: { port: number; host: string }, onConnection: (conn: StreamConnection) => void): Promise<StreamListener> {
    const port = options.port === 0 ? this.ephemeral(options.host) : options.port;
    const key = `${options.host}:${port}`;
    if (this.listeners.has(key)) throw new TorrentkitError('BT_ERR_ADDRESS_IN_USE', `${key} is already listening`);
    this.listeners.set(key, { onConnection });
    return {
      port,
      address: options.host,
      close: async () => {
        this.listeners.delete(key);
      },
    };
  }

  private connect(
    localHost: string,
    o: { host: string; port: number; localAddress?: string; signal?: AbortSignal; timeoutMs?: number },
  ): Promise<StreamConnection> {
    return new Promise((resolve, reject) => {
      if (o.signal?.aborted) {
        reject(new TorrentkitError('BT_ERR_ABORTED', 'connect aborted', { cause: o.signal.reason }));
        return;
      }
      const local = o.localAddress ?? localHost;
      if (this.unreachable.has(o.host) || this.unreachable.has(local)) {
        // SYNs are lost: the connect times out (BT_ERR_CONNECT_TIMEOUT), or aborts first.
        const timeout = new TorrentkitError('BT_ERR_CONNECT_TIMEOUT', `no connection to ${o.host}:${o.port} within ${o.timeoutMs ?? 10_000} ms`);
        const clock = this.options.clock;
        if (!clock) {
          queueMicrotask(() => reject(timeout));
          return;
        }
        const cancel = clock.setTimeout(() => reject(timeout), o.timeoutMs ?? 10_000);
        o.signal?.addEventListener('abort', () => {
          cancel();
          reject(new TorrentkitError('BT_ERR_ABORTED', 'connect aborted', { cause: o.signal?.reason }));
        }, { once: true });
        return;
      }
      const link = this.linkFor(local, o.host);
      const sched = new Scheduler(this.options.clock, link);
      // The connection is up after one round trip (SYN, SYN-ACK).
      sched.send(0, () => {
        const listener = this.listeners.get(`${o.host}:${o.port}`);
        if (o.signal?.aborted) {
          reject(new TorrentkitError('BT_ERR_ABORTED', 'connect aborted', { cause: o.signal.reason }));
          return;
        }
        if (!listener) {
          reject(new TorrentkitError('BT_ERR_CONNECTION_REFUSED', `connection refused by ${o.host}:${o.port}`));
          return;
        }
        const [client, server] = createMemoryPair({
          clock: this.options.clock,
          highWaterMark: this.options.highWaterMark,
          link,
          reverseLink: this.linkFor(o.host, local),
          a: { address: local, port: this.ephemeral(local) },
          b: { address: o.host, port: o.port },
        });
        this.track(client, server);
        listener.onConnection(server);
        resolve(client);
      });
    });
  }
}
