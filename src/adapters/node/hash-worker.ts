/**
 * A hash worker thread (see hash-pool.ts). Receives one job at a time, reads files itself with a
 * reusable buffer, and posts progress and the digests back. Jobs queue in the worker's port (the
 * pool gives it the next before this one ends). A job is cancelled when the pool writes its id
 * into its lane's shared `cancel` cell; the worker checks it before starting and after every chunk.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { HashAlgorithm, RangeJob } from '../../ports/hasher.js';
import { TorrentkitError } from '../../util/errors.js';
import { hashBytes, hashRangeJob } from './hash-stream.js';

export type WorkerRequest =
  /** `progress`: post progress messages (only when the caller listens: each one wakes the main thread). */
  | { readonly id: number; readonly lane: number; readonly type: 'ranges'; readonly job: RangeJob; readonly progress: boolean }
  | { readonly id: number; readonly lane: number; readonly type: 'buffer'; readonly data: Uint8Array; readonly algorithm: HashAlgorithm; readonly blockSize?: number; readonly merkleLeaves?: number };

export type WorkerReply =
  | { readonly id: number; readonly type: 'progress'; readonly bytes: number }
  | { readonly id: number; readonly type: 'done'; readonly outputs: Uint8Array[] }
  | { readonly id: number; readonly type: 'cancelled' }
  | { readonly id: number; readonly type: 'error'; readonly code: string; readonly message: string };

export interface WorkerInit {
  readonly readSize: number;
  /** Int32Array over a SharedArrayBuffer: cell [lane] holds the id of a job to cancel. */
  readonly cancel: SharedArrayBuffer;
}

const PROGRESS_EVERY_BYTES = 4 * 1024 * 1024;

if (parentPort) {
  const port = parentPort;
  const init = workerData as WorkerInit;
  const cancel = new Int32Array(init.cancel);
  const buffer = new Uint8Array(init.readSize);

  port.on('message', (req: WorkerRequest) => {
    if (Atomics.load(cancel, req.lane) === req.id) {
      port.postMessage({ id: req.id, type: 'cancelled' } satisfies WorkerReply);
      return;
    }
    try {
      if (req.type === 'buffer') {
        const out = hashBytes(req.data, req.algorithm, req.blockSize ?? req.data.length, req.merkleLeaves);
        port.postMessage({ id: req.id, type: 'done', outputs: [out] } satisfies WorkerReply, [out.buffer as ArrayBuffer]);
        return;
      }
      let pending = 0;
      const outputs = hashRangeJob(req.job, buffer, {
        afterChunk(bytes) {
          pending += bytes;
          if (req.progress && pending >= PROGRESS_EVERY_BYTES) {
            port.postMessage({ id: req.id, type: 'progress', bytes: pending } satisfies WorkerReply);
            pending = 0;
          }
          return Atomics.load(cancel, req.lane) === req.id;
        },
      });
      if (!outputs) {
        port.postMessage({ id: req.id, type: 'cancelled' } satisfies WorkerReply);
        return;
      }
      if (req.progress && pending > 0) port.postMessage({ id: req.id, type: 'progress', bytes: pending } satisfies WorkerReply);
      port.postMessage(
        { id: req.id, type: 'done', outputs } satisfies WorkerReply,
        outputs.map((o) => o.buffer as ArrayBuffer),
      );
    } catch (err) {
      const code = err instanceof TorrentkitError ? err.code : 'BT_ERR_HASH_WORKER';
      port.postMessage({ id: req.id, type: 'error', code, message: (err as Error).message } satisfies WorkerReply);
    }
  });
}
