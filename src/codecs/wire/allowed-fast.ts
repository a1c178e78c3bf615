/**
 * BEP 6 allowed fast set: the canonical algorithm, so that every peer offers a given receiver the
 * same pieces, and an offer of k+1 pieces extends the offer of k.
 *
 *   x = (ip & 0xFFFFFF00) ++ infohash
 *   while |a| < k: x = SHA1(x); for each of the 5 big-endian u32 y in x: add y % sz unless present
 *
 * BEP 6 has no provision for IPv6; for a 16-byte address we keep the /48 prefix (the first six
 * bytes) and zero the rest, so one site's addresses share a set as an IPv4 /24 does.
 */
import { sha1 } from '../../util/sha.js';
import { WireError, WireErrorCode } from './errors.js';

/** Allowed fast set for the peer at `ip` (4 or 16 bytes), `k` pieces out of `pieceCount`. */
export function allowedFastSet(ip: Uint8Array, infoHash: Uint8Array, pieceCount: number, k: number): number[] {
  if (ip.length !== 4 && ip.length !== 16) throw new WireError(WireErrorCode.BadArgument, `ip of ${ip.length} bytes`);
  if (infoHash.length !== 20) throw new WireError(WireErrorCode.BadArgument, `info hash of ${infoHash.length} bytes`);
  const want = Math.min(k, pieceCount);
  const out: number[] = [];
  if (want <= 0) return out;
  const masked = ip.slice();
  if (ip.length === 4) masked[3] = 0;
  else masked.fill(0, 6);
  let x: Uint8Array = new Uint8Array(masked.length + 20);
  x.set(masked, 0);
  x.set(infoHash, masked.length);
  const seen = new Set<number>();
  while (out.length < want) {
    x = sha1(x);
    for (let i = 0; i < 5 && out.length < want; i++) {
      const j = i * 4;
      const y = ((x[j] << 24) | (x[j + 1] << 16) | (x[j + 2] << 8) | x[j + 3]) >>> 0;
      const index = y % pieceCount;
      if (!seen.has(index)) {
        seen.add(index);
        out.push(index);
      }
    }
  }
  return out;
}

