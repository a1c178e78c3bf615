/**
 * Rarity buckets: the wanted pieces grouped by sort key, so that the rarest-first picker visits
 * pieces best-first without sorting, and an availability or priority change moves one piece in
 * O(1) (plus O(distinct keys) when a bucket appears or empties, and there are few keys: priority
 * levels times distinct peer counts).
 *
 * Owns: which bucket each member piece sits in and its slot there.
 * Invariants:
 *  - a piece is in at most one bucket; `keyOf[i] === -1` exactly when it is in none;
 *  - `buckets.get(keyOf[i]).pieces[slot[i]] === i` for every member;
 *  - `keys` is sorted ascending and holds exactly the keys of non-empty buckets.
 * The order inside a bucket is arbitrary (swap-remove); the picker starts each bucket at a random
 * offset, which gives the random tie break between equally rare pieces.
 */

/** Availability is clamped to this many peers inside a key (more makes no difference to order). */
export const MAX_KEY_AVAILABILITY = 0xfffff;

/**
 * Sort key of a piece: higher priority first, then lower availability (rarest first). Seeds
 * (have-all peers) are left out of `availability` because they add the same to every piece.
 */
export function rarityKey(priority: number, availability: number): number {
  return (7 - priority) * (MAX_KEY_AVAILABILITY + 1) + Math.min(availability, MAX_KEY_AVAILABILITY);
}

/** Availability encoded in a key. */
export function keyAvailability(key: number): number {
  return key % (MAX_KEY_AVAILABILITY + 1);
}

interface Bucket {
  readonly key: number;
  readonly pieces: number[];
}

export class RarityBuckets {
  private readonly keyOf: Float64Array;
  private readonly slot: Int32Array;
  private readonly buckets = new Map<number, Bucket>();
  /** Sorted keys of the non-empty buckets. */
  private readonly keys: number[] = [];
  private members = 0;

  constructor(pieceCount: number) {
    this.keyOf = new Float64Array(pieceCount).fill(-1);
    this.slot = new Int32Array(pieceCount).fill(-1);
  }

  /** Number of pieces in all buckets. */
  get size(): number {
    return this.members;
  }

  has(piece: number): boolean {
    return this.keyOf[piece] !== -1;
  }

  keyOfPiece(piece: number): number {
    return this.keyOf[piece];
  }

  /** Puts `piece` in the bucket for `key`, moving it if it is elsewhere. */
  set(piece: number, key: number): void {
    const old = this.keyOf[piece];
    if (old === key) return;
    if (old !== -1) this.remove(piece);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { key, pieces: [] };
      this.buckets.set(key, bucket);
      this.keys.splice(this.lowerBound(key), 0, key);
    }
    this.keyOf[piece] = key;
    this.slot[piece] = bucket.pieces.length;
    bucket.pieces.push(piece);
    this.members++;
  }

  remove(piece: number): void {
    const key = this.keyOf[piece];
    if (key === -1) return;
    const bucket = this.buckets.get(key)!;
    const at = this.slot[piece];
    const last = bucket.pieces.pop()!;
    if (last !== piece) {
      bucket.pieces[at] = last;
      this.slot[last] = at;
    }
    this.keyOf[piece] = -1;
    this.slot[piece] = -1;
    this.members--;
    if (bucket.pieces.length === 0) {
      this.buckets.delete(key);
      this.keys.splice(this.lowerBound(key), 1);
    }
  }

  /** Number of non-empty buckets. */
  get bucketCount(): number {
    return this.keys.length;
  }

  /**
   * The `k`th non-empty bucket, best (lowest key) first: walk them with an index from 0 to
   * bucketCount (no iterator objects on the picker's path). Pieces must not move between buckets
   * during the walk, and the returned array must not be mutated.
   */
  bucketAt(k: number): { readonly key: number; readonly pieces: readonly number[] } {
    return this.buckets.get(this.keys[k])!;
  }

  private lowerBound(key: number): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.keys[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
