/**
 * `--workers` over one memory store, without a store server on the announce path: every worker
 * holds a replica (ReplicatedSwarmStore) and answers from it; its change batches go to the
 * primary over the cluster IPC channel, and the primary relays each batch to the other workers
 * (and applies it to its own store when it keeps one, e.g. to persist it). The channel uses the
 * `advanced` serialization, so a batch crosses as bytes.
 */
import type { Worker } from 'node:cluster';
import { MemorySwarmStore } from '../../engines/tracker-server/memory-store.js';
import { applyChanges, ReplicatedSwarmStore, type SyncSwarmStore } from '../../engines/tracker-server/replicated-store.js';
import { TorrentkitError } from '../../util/errors.js';
import { cryptoRng } from './rng.js';

interface ReplicaMessage {
  tkReplica: Uint8Array;
}

function batchOf(msg: unknown): Uint8Array | undefined {
  const b = (msg as Partial<ReplicaMessage> | null)?.tkReplica;
  return b instanceof Uint8Array ? b : undefined;
}

/** Worker side: a replica whose changes travel to the primary and whose peers' changes come back. */
export function openReplicaStore(channel: NodeJS.Process = process): ReplicatedSwarmStore {
  if (!channel.send) throw new TorrentkitError('BT_ERR_TRACKER_STORE', 'no IPC channel to the primary process');
  const onMessage = (msg: unknown) => {
    const batch = batchOf(msg);
    if (batch) store.apply(batch);
  };
  const store = new ReplicatedSwarmStore({
    local: new MemorySwarmStore({ rng: cryptoRng }),
    publish: (batch) => {
      if (channel.connected) channel.send!({ tkReplica: batch } satisfies ReplicaMessage);
    },
    defer: (fn) => setImmediate(fn),
    detach: () => channel.off('message', onMessage),
  });
  channel.on('message', onMessage);
  return store;
}

/**
 * Primary side: relays each worker's batches to the other workers, and applies them to `own`
 * when given. Returns a function that counts the records relayed so far (for diagnostics).
 */
export function relayReplicas(workers: readonly Worker[], own?: SyncSwarmStore): () => number {
  let records = 0;
  for (const from of workers) {
    from.on('message', (msg: unknown) => {
      const batch = batchOf(msg);
      if (!batch) return;
      for (const to of workers) {
        if (to !== from && to.isConnected()) to.send({ tkReplica: batch } satisfies ReplicaMessage);
      }
      if (own) records += applyChanges(own, batch);
    });
  }
  return () => records;
}
