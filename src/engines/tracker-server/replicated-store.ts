/**
 * A SwarmStore replicated between tracker processes (one per core) without a store server on the
 * announce path. Each process keeps a whole in-memory replica and answers every announce from it
 * at once; the change is also written as a small binary record and the records of one turn of the
 * event loop leave as one batch (`publish`), which the other processes apply to their replicas
 * (`apply`) with the same code, minus the peer selection. A peer announced to one process is
 * therefore handed out by the others one batch later (well under a millisecond on one machine),
 * and a swarm's counts converge the same way.
 *
 * Owns: the change record format and the batching. Does not own: how batches travel (the node
 * adapter relays them over the cluster IPC channel), or persistence (a primary that keeps a
 * SQLite store applies the same batches to it).
 *
 * Record (big endian): event u8 | ip length u8 | port u16 | left f64 | now f64 | ttl ms u32 |
 * info hash 20 | peer id 20 | ip (ASCII text). Events: 0 none, 1 completed, 2 started,
 * 3 stopped, 4 paused (BEP 15 codes, then BEP 21's paused).
 */
import type { AnnounceEvent, ScrapeEntry } from '../../codecs/tracker/types.js';
import { type SwarmAnnounce, type SwarmAnnounceResult, type SwarmStore, type SwarmTotals, withoutCompactLists } from '../../ports/swarm-store.js';
import { TorrentkitError } from '../../util/errors.js';

/** A store that can answer at once (the replica, and the primary's memory or SQLite store). */
export type SyncSwarmStore = SwarmStore & { announceSync(a: SwarmAnnounce): SwarmAnnounceResult };

const EVENTS: readonly (AnnounceEvent | undefined)[] = [undefined, 'completed', 'started', 'stopped', 'paused'];
const HEAD_BYTES = 1 + 1 + 2 + 8 + 8 + 4 + 20 + 20;
/** Longest textual address (IPv6 with an embedded IPv4 and a zone is under 64 characters). */
const MAX_IP_CHARS = 64;

function eventCode(e: AnnounceEvent | undefined): number {
  const i = EVENTS.indexOf(e);
  return i < 0 ? 0 : i;
}

/** Writes one change record at `o`; returns the offset after it. */
export function writeChange(out: Uint8Array, o: number, a: SwarmAnnounce): number {
  const ip = a.peer.ip;
  const n = Math.min(ip.length, MAX_IP_CHARS);
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out[o] = eventCode(a.event);
  out[o + 1] = n;
  v.setUint16(o + 2, a.peer.port);
  v.setFloat64(o + 4, a.left);
  v.setFloat64(o + 12, a.now);
  v.setUint32(o + 20, Math.min(a.ttlMs, 0xffffffff));
  out.set(a.infoHash.subarray(0, 20), o + 24);
  out.set(a.peer.peerId.subarray(0, 20), o + 44);
  let p = o + HEAD_BYTES;
  for (let i = 0; i < n; i++) out[p++] = ip.charCodeAt(i) & 0x7f;
  return p;
}

/** Reads every record of a batch (throws a typed error on a truncated or malformed batch). */
export function readChanges(batch: Uint8Array, each: (a: SwarmAnnounce) => void): void {
  const v = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  let o = 0;
  while (o < batch.length) {
    if (o + HEAD_BYTES > batch.length) throw new TorrentkitError('BT_ERR_TRACKER_REPLICA', 'truncated change record');
    const event = EVENTS[batch[o]];
    const n = batch[o + 1];
    if (batch[o] >= EVENTS.length || n > MAX_IP_CHARS || o + HEAD_BYTES + n > batch.length) {
      throw new TorrentkitError('BT_ERR_TRACKER_REPLICA', 'malformed change record');
    }
    const ip = String.fromCharCode.apply(null, batch.subarray(o + HEAD_BYTES, o + HEAD_BYTES + n) as unknown as number[]);
    each({
      infoHash: batch.slice(o + 24, o + 44),
      peer: { peerId: batch.slice(o + 44, o + 64), ip, port: v.getUint16(o + 2) },
      left: v.getFloat64(o + 4),
      event,
      // Replicas only record the change; the process that took the announce chose the peers.
      numwant: 0,
      family: 'any',
      now: v.getFloat64(o + 12),
      ttlMs: v.getUint32(o + 20),
    });
    o += HEAD_BYTES + n;
  }
}

/** Applies a batch of changes to any store that answers at once (a replica or the primary's). */
export function applyChanges(store: SyncSwarmStore, batch: Uint8Array): number {
  let n = 0;
  readChanges(batch, (a) => {
    store.announceSync(a);
    n++;
  });
  return n;
}

export class ReplicatedSwarmStore implements SwarmStore {
  private batch = new Uint8Array(64 * 1024);
  private used = 0;
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly deps: {
      /** The local replica (normally a MemorySwarmStore). */
      local: SyncSwarmStore;
      /** Sends a batch of change records to the other processes (the bytes are not reused). */
      publish: (batch: Uint8Array) => void;
      /** Runs `fn` after the current turn of the event loop (setImmediate in Node). */
      defer: (fn: () => void) => void;
      /** Called once on close (stop listening for other processes' batches). */
      detach?: () => void;
    },
  ) {}

  async announce(a: SwarmAnnounce): Promise<SwarmAnnounceResult> {
    return withoutCompactLists(this.announceSync(a));
  }

  announceSync(a: SwarmAnnounce): SwarmAnnounceResult {
    const res = this.deps.local.announceSync(a);
    if (this.closed) return res;
    // A full batch leaves at once, even within one turn of the event loop.
    if (this.used + HEAD_BYTES + MAX_IP_CHARS > this.batch.length) this.flush();
    this.used = writeChange(this.batch, this.used, a);
    if (!this.scheduled) {
      this.scheduled = true;
      this.deps.defer(() => {
        this.scheduled = false;
        this.flush();
      });
    }
    return res;
  }

  /** Applies changes that another process published. */
  apply(batch: Uint8Array): number {
    return applyChanges(this.deps.local, batch);
  }

  /** Publishes what is waiting (normally done after each turn of the event loop). */
  flush(): void {
    if (this.used === 0) return;
    const out = this.batch.slice(0, this.used);
    this.used = 0;
    this.deps.publish(out);
  }

  scrape(infoHashes: readonly Uint8Array[], now: number): Promise<ScrapeEntry[]> {
    return this.deps.local.scrape(infoHashes, now);
  }

  /** Every replica expires its own peers: they carry the same expiry times. */
  expire(now: number): Promise<number> {
    return this.deps.local.expire(now);
  }

  totals(now: number): Promise<SwarmTotals> {
    return this.deps.local.totals(now);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.deps.detach?.();
    await this.deps.local.close();
  }
}
