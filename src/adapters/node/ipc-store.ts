/**
 * Sharing one SwarmStore between tracker worker processes (node:cluster) without Redis: the
 * primary process owns the store (memory or SQLite); each worker talks to it through an
 * IpcSwarmStore over the cluster IPC channel. Calls made in the same tick travel as one message
 * (and their answers as one reply), so the IPC cost is paid per batch, not per announce. The
 * channel uses the `advanced` serialization so Uint8Arrays cross as bytes.
 */
import type { Worker } from 'node:cluster';
import type { ScrapeEntry } from '../../codecs/tracker/types.js';
import type { SwarmAnnounce, SwarmAnnounceResult, SwarmStore, SwarmTotals } from '../../ports/swarm-store.js';
import { TorrentkitError } from '../../util/errors.js';

type Op = 'announce' | 'scrape' | 'expire' | 'totals';
interface Call {
  id: number;
  op: Op;
  args: unknown[];
}
interface Reply {
  id: number;
  ok: boolean;
  value: unknown;
}
interface Batch {
  tkStore: Call[];
}
interface ReplyBatch {
  tkStoreReply: Reply[];
}

async function run(store: SwarmStore, c: Call): Promise<unknown> {
  switch (c.op) {
    case 'announce': {
      const r = await store.announce(c.args[0] as SwarmAnnounce);
      // Plain objects only: getters (peerId) do not survive structured cloning.
      return { ...r, peers: r.peers.map((p) => ({ peerId: p.peerId, ip: p.ip, port: p.port, ipv4: p.ipv4, compact: p.compact })) };
    }
    case 'scrape':
      return store.scrape(c.args[0] as Uint8Array[], c.args[1] as number);
    case 'expire':
      return store.expire(c.args[0] as number);
    case 'totals':
      return store.totals(c.args[0] as number);
  }
}

/** Primary side: answers a worker's store calls. */
export function serveStoreTo(worker: Worker, store: SwarmStore): void {
  worker.on('message', (msg: unknown) => {
    const batch = (msg as Partial<Batch>)?.tkStore;
    if (!Array.isArray(batch)) return;
    Promise.all(
      batch.map((c) =>
        run(store, c).then(
          (value): Reply => ({ id: c.id, ok: true, value }),
          (err: unknown): Reply => ({ id: c.id, ok: false, value: String((err as Error)?.message ?? err) }),
        ),
      ),
    ).then((replies) => {
      if (worker.isConnected()) worker.send({ tkStoreReply: replies } satisfies ReplyBatch);
    });
  });
}

/** Worker side: a SwarmStore whose calls run in the primary process. */
export class IpcSwarmStore implements SwarmStore {
  private nextId = 1;
  private queue: Call[] = [];
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly onMessage = (msg: unknown) => {
    const replies = (msg as Partial<ReplyBatch>)?.tkStoreReply;
    if (!Array.isArray(replies)) return;
    for (const r of replies) {
      const p = this.pending.get(r.id);
      if (!p) continue;
      this.pending.delete(r.id);
      if (r.ok) p.resolve(r.value);
      else p.reject(new TorrentkitError('BT_ERR_TRACKER_STORE', String(r.value)));
    }
  };

  constructor(private readonly channel: NodeJS.Process = process) {
    if (!channel.send) throw new TorrentkitError('BT_ERR_TRACKER_STORE', 'no IPC channel to the store process');
    channel.on('message', this.onMessage);
  }

  private call<T>(op: Op, ...args: unknown[]): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.queue.push({ id, op, args });
      if (this.queue.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    if (batch.length > 0) this.channel.send!({ tkStore: batch } satisfies Batch);
  }

  announce(a: SwarmAnnounce): Promise<SwarmAnnounceResult> {
    return this.call('announce', a);
  }

  scrape(infoHashes: readonly Uint8Array[], now: number): Promise<ScrapeEntry[]> {
    return this.call('scrape', infoHashes, now);
  }

  expire(now: number): Promise<number> {
    // The primary expires its own store on a timer; workers need not.
    void now;
    return Promise.resolve(0);
  }

  totals(now: number): Promise<SwarmTotals> {
    return this.call('totals', now);
  }

  async close(): Promise<void> {
    this.channel.off('message', this.onMessage);
    for (const p of this.pending.values()) p.reject(new TorrentkitError('BT_ERR_TRACKER_STORE', 'store closed'));
    this.pending.clear();
  }
}
