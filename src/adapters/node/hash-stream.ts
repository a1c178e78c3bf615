/**
 * The hashing core that runs inside a hash worker: feeds a stream of chunks to several outputs
 * (digest per block) at once, so one read of the data serves SHA-1 pieces and SHA-256 leaves.
 * Kept apart from the worker's message loop so it can be tested in the main thread.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import * as nodeCrypto from 'node:crypto';
import { createHash, type Hash } from 'node:crypto';
import { DIGEST_LENGTH, digestCount, type HashOutput, type RangeJob, type Segment, streamLength } from '../../ports/hasher.js';
import { TorrentkitError } from '../../util/errors.js';

/**
 * One-shot digest of a whole block. `crypto.hash` (Node >= 20.12) skips the Hash object that
 * createHash builds per call: 1-2% of the CPU for 256 KiB pieces, ~5% for 16 KiB v2 leaves.
 */
const digestOf: (algorithm: HashOutput['algorithm'], data: Uint8Array) => Buffer =
  typeof nodeCrypto.hash === 'function'
    ? (algorithm, data) => nodeCrypto.hash(algorithm, data, 'buffer')
    : (algorithm, data) => createHash(algorithm).update(data).digest();

class OutputState {
  readonly digests: Uint8Array;
  private count = 0;
  private hash: Hash | undefined;
  private inBlock = 0;
  /** Stream bytes to pass over before coverage starts, then the bytes still covered. */
  private skip: number;
  private left: number;
  private readonly size: number;
  /** Merkle mode: leaf digests of the current subtree, and how many it holds. */
  private readonly group: Buffer | undefined;
  private grouped = 0;

  constructor(
    private readonly output: HashOutput,
    total: number,
  ) {
    this.size = DIGEST_LENGTH[output.algorithm];
    this.digests = new Uint8Array(digestCount(output, total) * this.size);
    this.skip = output.offset ?? 0;
    const rest = Math.max(0, total - this.skip);
    this.left = Math.min(rest, output.length ?? rest);
    const m = output.merkleLeaves;
    if (m !== undefined) {
      if (output.algorithm !== 'sha256' || !Number.isInteger(m) || m < 1 || (m & (m - 1)) !== 0) {
        throw new TorrentkitError('BT_ERR_HASHER_OPTIONS', `merkleLeaves must be a power of two over sha256 leaves, got ${m}`);
      }
      if (m > 1) this.group = Buffer.alloc(m * this.size);
    }
  }

  /** True once every covered byte has been fed. */
  get done(): boolean {
    return this.left === 0;
  }

  feed(input: Uint8Array): void {
    let chunk = input;
    if (this.skip > 0) {
      const s = Math.min(this.skip, chunk.length);
      this.skip -= s;
      chunk = chunk.subarray(s);
    }
    const limit = Math.min(chunk.length, this.left);
    this.left -= limit;
    const bs = this.output.blockSize;
    let p = 0;
    while (p < limit) {
      if (this.inBlock === 0 && limit - p >= bs) {
        // A whole block inside the chunk: one-shot digest.
        this.push(digestOf(this.output.algorithm, chunk.subarray(p, p + bs)));
        p += bs;
        continue;
      }
      const take = Math.min(bs - this.inBlock, limit - p);
      this.hash ??= createHash(this.output.algorithm);
      this.hash.update(chunk.subarray(p, p + take));
      this.inBlock += take;
      p += take;
      if (this.inBlock === bs) this.flush();
    }
  }

  finish(): Uint8Array {
    if (this.inBlock > 0) this.flush();
    if (this.group && this.grouped > 0) this.flushGroup();
    return this.digests;
  }

  private flush(): void {
    this.push(this.hash!.digest());
    this.hash = undefined;
    this.inBlock = 0;
  }

  private push(d: Uint8Array): void {
    const group = this.group;
    if (group) {
      group.set(d, this.grouped * this.size);
      if (++this.grouped * this.size === group.length) this.flushGroup();
      return;
    }
    this.digests.set(d, this.count * this.size);
    this.count++;
  }

  /** Reduces the leaves of one subtree to its root (BEP 52: missing leaves are zero hashes). */
  private flushGroup(): void {
    const group = this.group!;
    const size = this.size;
    group.fill(0, this.grouped * size);
    let width = group.length / size;
    let zero: Buffer = Buffer.alloc(size);
    let live = this.grouped;
    while (width > 1) {
      for (let i = 0; i < width / 2; i++) {
        const pair = 2 * i < live ? group.subarray(2 * i * size, (2 * i + 2) * size) : undefined;
        const parent = pair ? digestOf('sha256', pair) : zeroPair(zero);
        parent.copy(group, i * size);
      }
      zero = zeroPair(zero);
      live = Math.ceil(live / 2);
      width /= 2;
    }
    this.digests.set(group.subarray(0, size), this.count * size);
    this.count++;
    this.grouped = 0;
  }
}

/** Hashes `data` in blocks of `blockSize` (default: whole), optionally folded into merkle roots. */
export function hashBytes(data: Uint8Array, algorithm: HashOutput['algorithm'], blockSize = data.length, merkleLeaves?: number): Uint8Array {
  const state = new OutputState({ algorithm, blockSize: Math.max(1, blockSize), merkleLeaves }, data.length);
  if (data.length === 0) return createHash(algorithm).digest();
  state.feed(data);
  return state.finish();
}

function zeroPair(zero: Buffer): Buffer {
  return createHash('sha256').update(zero).update(zero).digest();
}

export interface StreamHooks {
  /** Called after each chunk with the bytes just hashed; returning true cancels the job. */
  afterChunk(bytes: number): boolean;
}

const zeroChunks = new Map<number, Uint8Array>();

/**
 * Reads and hashes a range job with a reusable buffer of `readSize` bytes. Throws
 * BT_ERR_HASH_READ when a file cannot be read and BT_ERR_HASH_SHORT_READ when it holds fewer bytes
 * than the job names (it changed under us); returns undefined when cancelled.
 */
export function hashRangeJob(job: RangeJob, buffer: Uint8Array, hooks: StreamHooks): Uint8Array[] | undefined {
  const total = streamLength(job.segments);
  const states = job.outputs.map((o) => new OutputState(o, total));
  let first = 0; // states before this one are done (outputs are mostly in stream order)
  const feed = (chunk: Uint8Array) => {
    while (first < states.length && states[first].done) first++;
    for (let i = first; i < states.length; i++) if (!states[i].done) states[i].feed(chunk);
    return hooks.afterChunk(chunk.length);
  };
  for (const seg of job.segments) {
    if (seg.length === 0) continue;
    if (seg.kind === 'zeros') {
      let zeros = zeroChunks.get(buffer.length);
      if (!zeros) zeroChunks.set(buffer.length, (zeros = new Uint8Array(buffer.length)));
      for (let left = seg.length; left > 0; left -= zeros.length) {
        if (feed(zeros.subarray(0, Math.min(left, zeros.length)))) return undefined;
      }
      continue;
    }
    if (readFileSegment(seg, buffer, feed)) return undefined;
  }
  return states.map((s) => s.finish());
}

function readFileSegment(seg: Extract<Segment, { kind: 'file' }>, buffer: Uint8Array, feed: (c: Uint8Array) => boolean): boolean {
  let fd: number;
  try {
    fd = openSync(seg.path, 'r');
  } catch (err) {
    throw new TorrentkitError('BT_ERR_HASH_READ', `cannot open ${seg.path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    let pos = seg.offset;
    const end = seg.offset + seg.length;
    while (pos < end) {
      let n: number;
      try {
        n = readSync(fd, buffer, 0, Math.min(buffer.length, end - pos), pos);
      } catch (err) {
        throw new TorrentkitError('BT_ERR_HASH_READ', `cannot read ${seg.path}: ${(err as Error).message}`, { cause: err });
      }
      if (n === 0) {
        throw new TorrentkitError('BT_ERR_HASH_SHORT_READ', `${seg.path} ended at byte ${pos}, expected ${end} (did it change?)`);
      }
      pos += n;
      if (feed(buffer.subarray(0, n))) return true;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}
