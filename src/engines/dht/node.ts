/**
 * A BitTorrent DHT node (BEP 5, with BEP 32 IPv6 fields, BEP 42 id checks and BEP 43 read-only
 * mode) over a DatagramSocket, with time and randomness from Clock and Rng. The node owns its
 * socket, the transaction layer (rpc.ts), the routing table (policies/dht), tokens and the peer
 * store; each RPC has its handler in handlers/, each lookup is a Lookup (lookup.ts).
 *
 *   const dht = new DhtNode({ datagrams, clock, rng }, { port: 6881, bootstrap: [...] });
 *   await dht.start();
 *   for await (const peer of dht.getPeers(infoHash, { signal })) connect(peer);
 *   await dht.announce(infoHash, 6881);
 *   await dht.close();
 */
import { bep42NodeId } from '../../codecs/krpc/bep42.js';
import { ipFamily } from '../../codecs/krpc/compact.js';
import { decodeKrpc } from '../../codecs/krpc/decode.js';
import { encodeKrpc } from '../../codecs/krpc/encode.js';
import { KrpcDecodeError } from '../../codecs/krpc/errors.js';
import type { KrpcMessage, KrpcQuery, NodeInfo, PeerAddress } from '../../codecs/krpc/types.js';
import type { Cancel } from '../../ports/clock.js';
import type { DatagramAddress, DatagramSocket } from '../../ports/datagram.js';
import type { PeerStore } from '../../ports/peer-store.js';
import { RoutingTable } from '../../policies/dht/routing-table.js';
import { fromHex, toHex } from '../../util/bytes.js';
import { throwIfAborted, TorrentkitError } from '../../util/errors.js';
import { type Logger, nullLogger } from '../../util/logger.js';
import { TypedEmitter } from './events.js';
import type { HandlerContext, Reply } from './handlers/context.js';
import { dispatchQuery } from './handlers/index.js';
import { Lookup, type LookupKind, type LookupResult } from './lookup.js';
import { MemoryPeerStore } from './memory-peer-store.js';
import { RateLimiter } from './rate-limit.js';
import { type QueryHandlers, Rpc } from './rpc.js';
import { TableKeeper } from './table-keeper.js';
import { TokenManager } from './tokens.js';
import { DEFAULT_BOOTSTRAP, type DhtDeps, type DhtEvents, type DhtOptions, type DhtState, type DhtStats } from './types.js';

const DEFAULTS = {
  address: '0.0.0.0',
  port: 6881,
  k: 8,
  alpha: 3,
  timeoutMs: 2000,
  minSlowMs: 100,
  maxSlowMs: 1000,
  maxLookupQueries: 200,
  maxPending: 4096,
  maxPeersReply: 50,
  maintenanceIntervalMs: 60_000,
};
/** Backoff of bootstrap retries while the routing table is empty. */
const BOOTSTRAP_RETRY_MIN_MS = 2_000;
const BOOTSTRAP_RETRY_MAX_MS = 5 * 60_000;

export interface LookupCallbacks {
  onPeers?(peers: PeerAddress[]): void;
  onDone?(result: LookupResult): void;
}

export class DhtNode extends TypedEmitter<DhtEvents> {
  private socket: DatagramSocket | undefined;
  private ownId: Uint8Array;
  private table: RoutingTable;
  private readonly rpc: Rpc;
  private readonly tokens: TokenManager;
  private readonly peerStore: PeerStore;
  private readonly limiter: RateLimiter;
  private readonly logger: Logger;
  private readonly opts: typeof DEFAULTS & DhtOptions;
  private readonly lookups = new Set<Lookup>();
  private readonly keeper: TableKeeper;
  private family: 'IPv4' | 'IPv6' = 'IPv4';
  private cancelMaintenance: Cancel = () => {};
  private cancelRetry: Cancel = () => {};
  private bootstrapRetryMs = BOOTSTRAP_RETRY_MIN_MS;
  private state: 'new' | 'starting' | 'running' | 'closed' = 'new';
  private startPromise: Promise<void> | undefined;
  private received = 0;
  private dropped = 0;

  constructor(
    private readonly deps: DhtDeps,
    options: DhtOptions = {},
  ) {
    super();
    this.opts = { ...DEFAULTS, ...options };
    this.ownId = options.id?.slice() ?? deps.rng.bytes(20);
    this.table = new RoutingTable(this.ownId, { k: this.opts.k, enforceBep42: options.enforceBep42 }, deps.clock.now());
    this.peerStore = deps.peerStore ?? new MemoryPeerStore();
    this.limiter = new RateLimiter(options.rateLimit);
    this.logger = deps.logger ?? nullLogger;
    this.tokens = new TokenManager(deps.clock, deps.rng);
    this.rpc = new Rpc(
      {
        clock: deps.clock,
        rng: deps.rng,
        send: (data, to) => this.socket?.send(data, to.port, to.address),
        ownId: () => this.ownId,
        readOnly: options.readOnly ?? false,
      },
      { timeoutMs: this.opts.timeoutMs, minSlowMs: this.opts.minSlowMs, maxSlowMs: this.opts.maxSlowMs, maxPending: this.opts.maxPending },
    );
    this.keeper = new TableKeeper({
      clock: deps.clock,
      rng: deps.rng,
      table: () => this.table,
      ownId: () => this.ownId,
      query: (to, q, handlers) => this.query(to, q, handlers),
      refresh: (target, onDone) => this.startLookup('find_node', target, { onDone }),
      running: () => this.state === 'running',
      added: (node) => this.emit('node', node),
    });
  }

  /** Our node id (20 bytes). */
  get id(): Uint8Array {
    return this.ownId.slice();
  }

  /** The bound address (after start). */
  address(): DatagramAddress {
    if (!this.socket) throw new TorrentkitError('BT_ERR_DHT_NOT_STARTED', 'the DHT node is not started');
    return this.socket.address();
  }

  /** Binds, loads the saved table, and bootstraps with a lookup of our own id. Idempotent. */
  start(options: { signal?: AbortSignal } = {}): Promise<void> {
    this.startPromise ??= this.doStart(options.signal);
    return this.startPromise;
  }

  private async doStart(signal?: AbortSignal): Promise<void> {
    if (this.state === 'closed') throw new TorrentkitError('BT_ERR_DHT_CLOSED', 'the DHT node is closed');
    this.state = 'starting';
    const saved = this.opts.state ?? (await this.deps.storage?.load());
    if (saved) this.loadState(saved);
    this.socket = await this.deps.datagrams.bind({ address: this.opts.address, port: this.opts.port });
    if (this.state !== 'starting') {
      await this.socket.close();
      throw new TorrentkitError('BT_ERR_DHT_CLOSED', 'the DHT node closed while starting');
    }
    this.family = this.socket.address().family;
    this.socket.onMessage((data, from) => this.onDatagram(data, from));
    this.socket.onError((err) => this.emit('warning', err));
    this.state = 'running';
    this.emit('listening', this.socket.address());
    this.cancelMaintenance = this.deps.clock.setInterval(() => this.maintain(), this.opts.maintenanceIntervalMs);
    await this.bootstrap(signal);
  }

  /** Looks up our own id through known nodes and the bootstrap routers (BEP 5 bootstrapping). */
  async bootstrap(signal?: AbortSignal): Promise<LookupResult> {
    const routers: PeerAddress[] = [];
    for (const b of this.opts.bootstrap ?? DEFAULT_BOOTSTRAP) {
      if (ipFamily(b.host)) routers.push({ address: b.host, port: b.port });
      else if (this.deps.resolve) {
        try {
          for (const address of await this.deps.resolve(b.host)) routers.push({ address, port: b.port });
        } catch (err) {
          this.emit('warning', new TorrentkitError('BT_ERR_DHT_RESOLVE', `cannot resolve ${b.host}`, { cause: err }));
        }
      }
    }
    const result = await this.runLookup('find_node', this.ownId, signal, {}, routers);
    if (this.table.size === 0) this.retryBootstrap();
    else {
      this.bootstrapRetryMs = BOOTSTRAP_RETRY_MIN_MS;
      this.keeper.refreshSparse(this.opts.k);
    }
    return result;
  }

  /** Nobody answered: try again later, backing off from 2 s to 5 minutes. */
  private retryBootstrap(): void {
    if (this.state !== 'running') return;
    const delay = this.bootstrapRetryMs;
    this.bootstrapRetryMs = Math.min(BOOTSTRAP_RETRY_MAX_MS, delay * 2);
    this.cancelRetry();
    this.cancelRetry = this.deps.clock.setTimeout(() => {
      if (this.state === 'running' && this.table.size === 0) this.bootstrap().catch((err) => this.emit('warning', err as Error));
    }, delay);
  }

  private loadState(saved: DhtState): void {
    if (!this.opts.id && /^[0-9a-f]{40}$/i.test(saved.id)) {
      this.ownId = fromHex(saved.id);
      this.table = new RoutingTable(this.ownId, { k: this.opts.k, enforceBep42: this.opts.enforceBep42 }, this.deps.clock.now());
    }
    for (const n of saved.nodes) {
      if (!/^[0-9a-f]{40}$/i.test(n.id) || !ipFamily(n.address)) continue;
      this.table.add({ id: fromHex(n.id), address: n.address, port: n.port }, this.deps.clock.now(), 'queried');
    }
  }

  /** Our id and routing table, for saving (JSON-friendly). */
  saveState(): DhtState {
    return this.table.snapshot();
  }

  /** Makes our id a BEP 42 id for our external address (call before start). */
  useBep42Id(externalAddress: string): void {
    if (this.state !== 'new') throw new TorrentkitError('BT_ERR_DHT_STARTED', 'set the id before start');
    this.ownId = bep42NodeId(externalAddress, this.deps.rng.bytes(20));
    this.table = new RoutingTable(this.ownId, { k: this.opts.k, enforceBep42: this.opts.enforceBep42 }, this.deps.clock.now());
  }

  stats(): DhtStats {
    const stored = this.peerStore.size();
    return {
      id: toHex(this.ownId),
      nodes: this.table.size,
      buckets: this.table.bucketCount,
      pendingQueries: this.rpc.inFlight,
      storedPeers: typeof stored === 'number' ? stored : -1,
      queriesSent: this.rpc.stats.queriesSent,
      repliesReceived: this.rpc.stats.repliesReceived,
      timeouts: this.rpc.stats.timeouts,
      queriesReceived: this.received,
      queriesDropped: this.dropped,
    };
  }

  /** Nodes in the routing table (copies). */
  nodes(): NodeInfo[] {
    return this.table.nodes().map((n) => ({ id: n.id.slice(), address: n.address, port: n.port }));
  }

  /** Adds a node: with a known id it enters the table as questionable; either way it is pinged. */
  async addNode(node: { address: string; port: number; id?: Uint8Array }, options: { signal?: AbortSignal } = {}): Promise<NodeInfo> {
    if (node.id) this.table.add({ id: node.id, address: node.address, port: node.port }, this.deps.clock.now(), 'queried');
    return this.ping(node, options);
  }

  /** Pings an address; resolves with the node (now in the routing table) or rejects. */
  ping(to: PeerAddress, options: { signal?: AbortSignal } = {}): Promise<NodeInfo> {
    return new Promise((resolve, reject) => {
      throwIfAborted(options.signal);
      this.assertUsable();
      const onAbort = () => reject(new TorrentkitError('BT_ERR_ABORTED', 'ping aborted'));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.query(to, { q: 'ping' }, {
        onReply: (msg) => {
          options.signal?.removeEventListener('abort', onAbort);
          const node = { id: msg.id, address: to.address, port: to.port };
          this.keeper.replied(node);
          resolve(node);
        },
        onFailure: (err) => {
          options.signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      });
    });
  }

  /**
   * Peers of `infoHash`, yielded as lookup replies bring them; the generator's return value is
   * the lookup result (closest nodes, queries, hops).
   */
  async *getPeers(infoHash: Uint8Array, options: { signal?: AbortSignal } = {}): AsyncGenerator<PeerAddress, LookupResult> {
    throwIfAborted(options.signal);
    this.assertUsable();
    const queue: PeerAddress[] = [];
    let result: LookupResult | undefined;
    let wake: (() => void) | undefined;
    const lookup = this.startLookup('get_peers', infoHash, {
      onPeers: (peers) => {
        queue.push(...peers);
        wake?.();
      },
      onDone: (r) => {
        result = r;
        wake?.();
      },
    });
    const onAbort = () => lookup.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        while (queue.length > 0) yield queue.shift()!;
        if (result) {
          throwIfAborted(options.signal);
          return result;
        }
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      if (!lookup.done) lookup.abort();
    }
  }

  /** A full get_peers lookup: resolves when it converges. */
  lookupPeers(infoHash: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<LookupResult> {
    return this.runLookup('get_peers', infoHash, options.signal);
  }

  /** A find_node lookup of `target`. */
  findNode(target: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<LookupResult> {
    return this.runLookup('find_node', target, options.signal);
  }

  /**
   * Announces that we are a peer of `infoHash` on `port` to the k closest nodes (BEP 5): a
   * get_peers lookup for their tokens, then announce_peer to each. `impliedPort` asks them to use
   * our UDP source port instead. Resolves with how many nodes acknowledged.
   */
  async announce(
    infoHash: Uint8Array,
    port: number,
    options: { signal?: AbortSignal; impliedPort?: boolean; seed?: boolean } = {},
  ): Promise<{ acknowledged: number; lookup: LookupResult }> {
    if (!options.impliedPort && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      throw new TorrentkitError('BT_ERR_DHT_BAD_PORT', `bad port ${port}`);
    }
    const lookup = await this.runLookup('get_peers', infoHash, options.signal);
    const targets = lookup.closest.filter((n) => n.token);
    const acks = await Promise.all(
      targets.map(
        (n) =>
          new Promise<boolean>((resolve) => {
            const sent = this.query(
              n,
              { q: 'announce_peer', infoHash, port: options.impliedPort ? 0 : port, token: n.token!, impliedPort: options.impliedPort ?? false, ...(options.seed ? { seed: true } : {}) },
              { onReply: () => resolve(true), onFailure: () => resolve(false) },
            );
            if (!sent) resolve(false);
          }),
      ),
    );
    throwIfAborted(options.signal);
    return { acknowledged: acks.filter(Boolean).length, lookup };
  }

  private runLookup(kind: LookupKind, target: Uint8Array, signal?: AbortSignal, callbacks: LookupCallbacks = {}, routers: PeerAddress[] = []): Promise<LookupResult> {
    return new Promise((resolve, reject) => {
      throwIfAborted(signal);
      this.assertUsable();
      const ref: { lookup?: Lookup } = {};
      const onAbort = () => ref.lookup?.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      ref.lookup = this.startLookup(
        kind,
        target,
        {
          ...callbacks,
          onDone: (r) => {
            signal?.removeEventListener('abort', onAbort);
            callbacks.onDone?.(r);
            if (signal?.aborted) reject(new TorrentkitError('BT_ERR_ABORTED', 'lookup aborted', { cause: signal.reason }));
            else resolve(r);
          },
        },
        routers,
      );
    });
  }

  private assertUsable(): void {
    if (this.state === 'closed') throw new TorrentkitError('BT_ERR_DHT_CLOSED', 'the DHT node is closed');
    if (this.state === 'new') throw new TorrentkitError('BT_ERR_DHT_NOT_STARTED', 'start the DHT node first');
  }

  /**
   * The callback-level lookup that the async APIs wrap (simulations drive it synchronously on a
   * virtual clock). The returned Lookup can be aborted.
   */
  startLookup(kind: LookupKind, target: Uint8Array, callbacks: LookupCallbacks = {}, routers: PeerAddress[] = []): Lookup {
    const lookup = new Lookup(
      {
        clock: this.deps.clock,
        ownId: this.ownId,
        family: this.family,
        ...(this.socket ? { self: this.socket.address() } : {}),
        query: (to, q, handlers) => this.query(to, q, handlers),
        onReply: (node) => this.keeper.replied(node),
        onFailure: (node) => this.table.failed(node.id, this.deps.clock.now()),
        onPeers: (peers) => {
          this.emit('peers', target, peers);
          callbacks.onPeers?.(peers);
        },
      },
      kind,
      target,
      { k: this.opts.k, alpha: this.opts.alpha, maxQueries: this.opts.maxLookupQueries, minSlowMs: this.opts.minSlowMs, maxSlowMs: this.opts.maxSlowMs },
      (result) => {
        this.lookups.delete(lookup);
        callbacks.onDone?.(result);
      },
    );
    this.lookups.add(lookup);
    if (this.state !== 'running' && this.state !== 'starting') lookup.abort();
    else lookup.start(this.table.closest(target, this.opts.k * 2, this.family), routers);
    return lookup;
  }

  private query(to: PeerAddress, q: Parameters<Rpc['query']>[1], handlers: QueryHandlers): boolean {
    if (!this.socket || this.state === 'closed') return false;
    return this.rpc.query(to, q, handlers);
  }

  private maintain(): void {
    this.keeper.maintain();
    void Promise.resolve(this.peerStore.prune(this.deps.clock.now())).catch((err) => this.emit('warning', err as Error));
  }

  private onDatagram(data: Uint8Array, from: DatagramAddress): void {
    let msg: KrpcMessage;
    try {
      msg = decodeKrpc(data);
    } catch (err) {
      if (err instanceof KrpcDecodeError && err.isQuery && err.transactionId && !this.opts.readOnly) {
        // BEP 5: a query we cannot parse gets a 203; rate-limited like any query.
        if (this.limiter.allow(from.address, this.deps.clock.now())) {
          this.send({ y: 'e', t: err.transactionId, number: err.replyNumber, message: 'Protocol Error' }, from);
        }
      }
      this.logger.debug('dht', 'undecodable datagram', { from: from.address, error: (err as Error).message });
      return;
    }
    if (msg.y !== 'q') {
      this.rpc.handle(msg, from);
      return;
    }
    this.onQuery(msg, from);
  }

  private onQuery(q: KrpcQuery, from: DatagramAddress): void {
    if (this.opts.readOnly || this.state !== 'running') return;
    this.received++;
    if (!this.limiter.allow(from.address, this.deps.clock.now())) {
      this.dropped++;
      return;
    }
    if (!q.readOnly && from.port > 0) this.keeper.queried(q, from);
    const reply = dispatchQuery(this.handlerContext(), q, from);
    if (q.q === 'announce_peer') {
      const announced = { address: from.address, port: q.impliedPort ? from.port : q.port };
      const emit = (r: Reply) => r.y === 'r' && this.emit('announced', q.infoHash, announced);
      if (reply instanceof Promise) void reply.then(emit, () => {});
      else emit(reply);
    }
    const send = (r: Reply) => this.send({ ...r, t: q.t, ip: { address: from.address, port: from.port } } as KrpcMessage, from);
    if (reply instanceof Promise) reply.then(send, (err) => this.emit('warning', err as Error));
    else send(reply);
  }

  private handlerContext(): HandlerContext {
    return {
      ownId: this.ownId,
      family: this.family,
      k: this.opts.k,
      maxPeersReply: this.opts.maxPeersReply,
      now: () => this.deps.clock.now(),
      rng: this.deps.rng,
      tokens: this.tokens,
      peerStore: this.peerStore,
      closest: (target, n, family) => this.table.closest(target, n, family, true),
    };
  }

  private send(msg: KrpcMessage, to: PeerAddress): void {
    if (this.state === 'closed' || !this.socket) return;
    try {
      this.socket.send(encodeKrpc(msg), to.port, to.address);
    } catch (err) {
      this.emit('warning', err as Error);
    }
  }

  /** Stops lookups and timers, saves the routing table (deps.storage), closes the socket. Idempotent. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasStarted = this.socket !== undefined;
    this.state = 'closed';
    this.cancelMaintenance();
    this.cancelRetry();
    for (const l of [...this.lookups]) l.abort();
    this.rpc.close();
    if (wasStarted && this.deps.storage) {
      try {
        await this.deps.storage.save(this.saveState());
      } catch (err) {
        this.emit('warning', err as Error);
      }
    }
    await this.socket?.close();
  }
}
