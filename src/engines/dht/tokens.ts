/**
 * announce_peer tokens (BEP 5): a token is a hash of the querier's IP and a secret that changes
 * every 5 minutes; tokens from the previous secret are still accepted, so a token lives 5 to 10
 * minutes. Only the IP is bound, not the port (BEP 5: "the IP address of the requesting node").
 */
import type { Clock } from '../../ports/clock.js';
import type { Rng } from '../../ports/rng.js';
import { parseIp } from '../../codecs/krpc/compact.js';
import { concatBytes, equalBytes } from '../../util/bytes.js';
import { sha1 } from '../../util/sha.js';

export const TOKEN_ROTATION_MS = 5 * 60_000;
const TOKEN_BYTES = 8;
const SECRET_BYTES = 16;

export class TokenManager {
  private current: Uint8Array;
  private previous: Uint8Array;
  private rotatedAt: number;

  constructor(
    private readonly clock: Clock,
    private readonly rng: Rng,
  ) {
    this.current = rng.bytes(SECRET_BYTES);
    this.previous = rng.bytes(SECRET_BYTES);
    this.rotatedAt = clock.now();
  }

  private rotateIfDue(): void {
    const now = this.clock.now();
    if (now - this.rotatedAt < TOKEN_ROTATION_MS) return;
    // After more than two periods of silence both secrets are stale.
    this.previous = now - this.rotatedAt >= 2 * TOKEN_ROTATION_MS ? this.rng.bytes(SECRET_BYTES) : this.current;
    this.current = this.rng.bytes(SECRET_BYTES);
    this.rotatedAt = now;
  }

  private make(secret: Uint8Array, address: string): Uint8Array {
    const ip = parseIp(address) ?? new Uint8Array(0);
    return sha1(concatBytes([secret, ip])).subarray(0, TOKEN_BYTES);
  }

  issue(address: string): Uint8Array {
    this.rotateIfDue();
    return this.make(this.current, address);
  }

  verify(token: Uint8Array, address: string): boolean {
    this.rotateIfDue();
    return equalBytes(token, this.make(this.current, address)) || equalBytes(token, this.make(this.previous, address));
  }
}
