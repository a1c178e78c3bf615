/**
 * The Node Hasher: a pool of worker threads hashing with node:crypto (see ports/hasher.ts).
 *
 * - One worker per core by default (`os.availableParallelism()`), started on first use.
 * - Jobs queue in the main thread as small descriptors; each worker holds one read buffer of
 *   `readSize` bytes, so memory is bounded by `threads * readSize` whatever the input size.
 * - Workers are ref'd only while they run a job, so an idle pool never keeps the process alive;
 *   `close()` terminates them.
 * - A buffer of at most `inlineBytes` (a downloaded piece, typically) is hashed at once on the
 *   calling thread: node:crypto hashes SHA-1 at well over 1 GB per CPU-second, so a 1 MiB piece
 *   costs well under a millisecond, less than posting it to a worker and waking the worker up
 *   (and a download then starts no worker at all: each one is a V8 isolate of several MB). Only
 *   bigger buffers and file ranges go to the workers.
 * - Each worker holds up to `PIPELINE_DEPTH` jobs: the one it runs and the next, so it never waits
 *   for this thread (which a busy machine may not schedule for milliseconds) between jobs.
 * - Abort: a queued job is dropped; one given to a worker is cancelled through a shared memory cell
 *   (one per pipeline lane) that the worker checks before it starts and after every chunk it reads.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { HashAlgorithm, HashCallOptions, Hasher, RangeJob } from '../../ports/hasher.js';
import { type ErrorCode, TorrentkitError } from '../../util/errors.js';
import { hashBytes } from './hash-stream.js';
import type { WorkerInit, WorkerReply, WorkerRequest } from './hash-worker.js';

export interface HashPoolOptions {
  /** Worker threads (default: one per core). */
  threads?: number;
  /** Bytes each worker reads at a time (default 1 MiB). */
  readSize?: number;
  /** Largest buffer `hashBuffer` hashes on the calling thread (default 4 MiB; 0: always a worker). */
  inlineBytes?: number;
}

const DEFAULT_INLINE_BYTES = 4 * 1024 * 1024;

const DEFAULT_READ_SIZE = 1024 * 1024;
/** Jobs given to one worker at a time: the running one and the next. */
const PIPELINE_DEPTH = 2;

type Payload =
  | { readonly type: 'ranges'; readonly job: RangeJob }
  | { readonly type: 'buffer'; readonly data: Uint8Array; readonly algorithm: HashAlgorithm; readonly blockSize?: number; readonly merkleLeaves?: number; readonly transfer: boolean };

interface Task {
  readonly id: number;
  readonly payload: Payload;
  readonly options: HashCallOptions;
  resolve(outputs: Uint8Array[]): void;
  reject(err: Error): void;
  worker?: Slot;
  /** The slot's cancel cell this task uses while its worker holds it. */
  lane?: number;
  detach?: () => void;
}

interface Slot {
  readonly worker: Worker;
  /** One cell per lane: the id of a job to cancel. */
  readonly cancel: Int32Array;
  /** The jobs the worker holds, in the order it runs them (at most PIPELINE_DEPTH). */
  readonly tasks: Task[];
}

/**
 * Starts a worker on the module next to this one: .js in the build. When running from source
 * (tests, benches under tsx) it is the .ts file, and on Node 20 loader hooks registered in the main
 * thread do not reach workers, so the worker registers tsx itself before importing the module.
 */
function startWorker(workerData: WorkerInit): Worker {
  const js = new URL('./hash-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return new Worker(js, { workerData });
  const ts = new URL('./hash-worker.ts', import.meta.url).href;
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(ts)}); });`;
  return new Worker(boot, { eval: true, workerData });
}

function aborted(signal: AbortSignal): TorrentkitError {
  return new TorrentkitError('BT_ERR_ABORTED', 'hashing aborted', { cause: signal.reason });
}

export class HashPool implements Hasher {
  readonly concurrency: number;
  private readonly readSize: number;
  private readonly inlineBytes: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(options: HashPoolOptions = {}) {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) throw new TorrentkitError('BT_ERR_HASHER_OPTIONS', `threads must be a positive integer, got ${threads}`);
    this.concurrency = threads;
    this.readSize = options.readSize ?? DEFAULT_READ_SIZE;
    const inline = options.inlineBytes ?? DEFAULT_INLINE_BYTES;
    if (!Number.isSafeInteger(inline) || inline < 0) throw new TorrentkitError('BT_ERR_HASHER_OPTIONS', `inlineBytes must be a non-negative integer, got ${inline}`);
    this.inlineBytes = inline;
  }

  hashBuffer(
    data: Uint8Array,
    output: { readonly algorithm: HashAlgorithm; readonly blockSize?: number; readonly merkleLeaves?: number },
    options: HashCallOptions & { readonly transfer?: boolean } = {},
  ): Promise<Uint8Array> {
    if (data.length <= this.inlineBytes) return this.hashInline(data, output, options);
    const payload: Payload = {
      type: 'buffer',
      data,
      algorithm: output.algorithm,
      blockSize: output.blockSize,
      merkleLeaves: output.merkleLeaves,
      transfer: options.transfer ?? false,
    };
    return this.submit(payload, options).then((outs) => {
      options.onProgress?.(data.length);
      return outs[0];
    });
  }

  private hashInline(
    data: Uint8Array,
    output: { readonly algorithm: HashAlgorithm; readonly blockSize?: number; readonly merkleLeaves?: number },
    options: HashCallOptions,
  ): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new TorrentkitError('BT_ERR_HASHER_CLOSED', 'the hash pool was closed'));
    if (options.signal?.aborted) return Promise.reject(aborted(options.signal));
    try {
      const digest = hashBytes(data, output.algorithm, output.blockSize ?? data.length, output.merkleLeaves);
      options.onProgress?.(data.length);
      return Promise.resolve(digest);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  hashRanges(job: RangeJob, options: HashCallOptions = {}): Promise<Uint8Array[]> {
    for (const o of job.outputs) {
      if (!Number.isInteger(o.blockSize) || o.blockSize < 1) {
        return Promise.reject(new TorrentkitError('BT_ERR_HASHER_OPTIONS', `bad block size ${o.blockSize}`));
      }
    }
    return this.submit({ type: 'ranges', job }, options);
  }

  /**
   * Starts every worker now rather than on first use, so that their start-up (a V8 isolate and a
   * module load each, some 20-30 ms) overlaps with what the caller does before submitting work.
   * Idempotent; workers stay unref'd until they get a job.
   */
  start(): void {
    while (!this.closed && this.slots.length < this.concurrency) this.spawn();
  }

  /** Stops the workers; every call returns the same promise, settled once all have exited. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    const err = new TorrentkitError('BT_ERR_HASHER_CLOSED', 'the hash pool was closed');
    for (const t of this.queue.splice(0)) this.settle(t, err);
    const slots = this.slots.splice(0);
    for (const s of slots) for (const t of s.tasks.splice(0)) this.settle(t, err);
    this.closing = Promise.all(slots.map((s) => s.worker.terminate())).then(() => undefined);
    return this.closing;
  }

  private submit(payload: Payload, options: HashCallOptions): Promise<Uint8Array[]> {
    if (this.closed) return Promise.reject(new TorrentkitError('BT_ERR_HASHER_CLOSED', 'the hash pool was closed'));
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(aborted(signal));
    return new Promise<Uint8Array[]>((resolve, reject) => {
      const task: Task = { id: this.nextId++, payload, options, resolve, reject };
      if (signal) {
        const onAbort = () => this.abortTask(task, aborted(signal));
        signal.addEventListener('abort', onAbort, { once: true });
        task.detach = () => signal.removeEventListener('abort', onAbort);
      }
      this.queue.push(task);
      this.pump();
    });
  }

  private abortTask(task: Task, err: Error): void {
    const i = this.queue.indexOf(task);
    if (i >= 0) this.queue.splice(i, 1);
    else if (task.worker) Atomics.store(task.worker.cancel, task.lane!, task.id);
    this.settle(task, err);
  }

  /** Resolves or rejects a task once and frees its listener (the slot frees itself on reply). */
  private settle(task: Task, result: Error | Uint8Array[]): void {
    const { resolve, reject } = task;
    task.resolve = () => {};
    task.reject = () => {};
    task.detach?.();
    if (result instanceof Error) reject(result);
    else resolve(result);
  }

  /** The slot with the fewest jobs below PIPELINE_DEPTH, spawning a worker while an idle one is missing. */
  private pickSlot(): Slot | undefined {
    let best: Slot | undefined;
    for (const s of this.slots) if (s.tasks.length < PIPELINE_DEPTH && (!best || s.tasks.length < best.tasks.length)) best = s;
    if ((!best || best.tasks.length > 0) && this.slots.length < this.concurrency) return this.spawn();
    return best;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const slot = this.pickSlot();
      if (!slot) return;
      const task = this.queue.shift()!;
      const busy = new Set(slot.tasks.map((t) => t.lane));
      task.lane = [...Array(PIPELINE_DEPTH).keys()].find((l) => !busy.has(l))!;
      if (slot.tasks.length === 0) slot.worker.ref();
      slot.tasks.push(task);
      task.worker = slot;
      const p = task.payload;
      const lane = task.lane;
      const req: WorkerRequest =
        p.type === 'ranges'
          ? { id: task.id, lane, type: 'ranges', job: p.job, progress: task.options.onProgress !== undefined }
          : { id: task.id, lane, type: 'buffer', data: p.data, algorithm: p.algorithm, blockSize: p.blockSize, merkleLeaves: p.merkleLeaves };
      const transfer = p.type === 'buffer' && p.transfer ? [p.data.buffer as ArrayBuffer] : [];
      slot.worker.postMessage(req, transfer);
    }
  }

  private spawn(): Slot {
    const shared = new SharedArrayBuffer(4 * PIPELINE_DEPTH);
    const init: WorkerInit = { readSize: this.readSize, cancel: shared };
    const worker = startWorker(init);
    const slot: Slot = { worker, cancel: new Int32Array(shared), tasks: [] };
    worker.unref();
    worker.on('message', (msg: WorkerReply) => this.onReply(slot, msg));
    worker.on('error', (err) => this.onWorkerGone(slot, err));
    worker.on('exit', (code) => this.onWorkerGone(slot, new Error(`hash worker exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }

  private onReply(slot: Slot, msg: WorkerReply): void {
    const i = slot.tasks.findIndex((t) => t.id === msg.id);
    if (i < 0) return;
    const task = slot.tasks[i];
    if (msg.type === 'progress') {
      task.options.onProgress?.(msg.bytes);
      return;
    }
    slot.tasks.splice(i, 1);
    if (slot.tasks.length === 0) slot.worker.unref();
    if (msg.type === 'done') this.settle(task, msg.outputs);
    else if (msg.type === 'error') this.settle(task, new TorrentkitError(msg.code as ErrorCode, msg.message));
    else this.settle(task, new TorrentkitError('BT_ERR_ABORTED', 'hashing aborted'));
    this.pump();
  }

  private onWorkerGone(slot: Slot, err: Error): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    for (const t of slot.tasks.splice(0)) this.settle(t, new TorrentkitError('BT_ERR_HASH_WORKER', `hash worker failed: ${err.message}`, { cause: err }));
    void slot.worker.terminate();
    if (!this.closed) this.pump();
  }
}
