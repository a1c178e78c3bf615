/**
 * The BitTorrent handshake (BEP 3):
 *   <pstrlen=19><pstr="BitTorrent protocol"><reserved: 8 bytes><info_hash: 20><peer_id: 20>
 * 68 bytes in all. The reserved bytes carry feature bits; the ones we name are:
 * - extension protocol (BEP 10): reserved[5] & 0x10
 * - v2 upgrade (BEP 52):         reserved[7] & 0x10
 * - fast extension (BEP 6):      reserved[7] & 0x04
 * - DHT (BEP 5):                 reserved[7] & 0x01
 * Unknown bits are kept in `raw` and otherwise ignored, as BEP 3 asks.
 */
import type { InfoHash, PeerId } from '../../util/units.js';
import { WireError, WireErrorCode } from './errors.js';

export const PROTOCOL = 'BitTorrent protocol';
export const HANDSHAKE_LENGTH = 68;
const PROTOCOL_BYTES = Uint8Array.from(PROTOCOL, (c) => c.charCodeAt(0));

/** Feature bits of the handshake's reserved bytes. */
export interface ReservedFlags {
  /** BEP 10 extension protocol. */
  extended: boolean;
  /** BEP 6 fast extension. */
  fast: boolean;
  /** BEP 5 DHT (the peer may send a `port` message). */
  dht: boolean;
  /** BEP 52 v2 upgrade for hybrid torrents. */
  v2: boolean;
}

export interface Handshake {
  infoHash: InfoHash;
  peerId: PeerId;
  flags: ReservedFlags;
  /** All eight reserved bytes as received (a copy). */
  reserved: Uint8Array;
}

export function encodeReserved(flags: Partial<ReservedFlags>): Uint8Array {
  const r = new Uint8Array(8);
  if (flags.extended) r[5] |= 0x10;
  if (flags.v2) r[7] |= 0x10;
  if (flags.fast) r[7] |= 0x04;
  if (flags.dht) r[7] |= 0x01;
  return r;
}

export function decodeReserved(r: Uint8Array): ReservedFlags {
  return {
    extended: (r[5] & 0x10) !== 0,
    v2: (r[7] & 0x10) !== 0,
    fast: (r[7] & 0x04) !== 0,
    dht: (r[7] & 0x01) !== 0,
  };
}

export function encodeHandshake(infoHash: Uint8Array, peerId: Uint8Array, flags: Partial<ReservedFlags> | Uint8Array): Uint8Array {
  if (infoHash.length !== 20) throw new WireError(WireErrorCode.BadArgument, `info hash must be 20 bytes, not ${infoHash.length}`);
  if (peerId.length !== 20) throw new WireError(WireErrorCode.BadPeerId, `peer id must be 20 bytes, not ${peerId.length}`);
  const out = new Uint8Array(HANDSHAKE_LENGTH);
  out[0] = 19;
  out.set(PROTOCOL_BYTES, 1);
  out.set(flags instanceof Uint8Array ? flags.subarray(0, 8) : encodeReserved(flags), 20);
  out.set(infoHash, 28);
  out.set(peerId, 48);
  return out;
}

/**
 * Checks the first bytes of a stream against the protocol header; throws BT_ERR_WIRE_BAD_PROTOCOL
 * as soon as a byte differs, so an encrypted or foreign stream is refused without waiting for 68 bytes.
 */
export function checkHandshakePrefix(bytes: Uint8Array): void {
  const n = Math.min(bytes.length, 20);
  for (let i = 0; i < n; i++) {
    const want = i === 0 ? 19 : PROTOCOL_BYTES[i - 1];
    if (bytes[i] !== want) throw new WireError(WireErrorCode.BadProtocol, 'not a BitTorrent handshake', i);
  }
}

/** Decodes a complete 68-byte handshake (copies the ids, so the input may be reused). */
export function decodeHandshake(bytes: Uint8Array): Handshake {
  if (bytes.length < HANDSHAKE_LENGTH) throw new WireError(WireErrorCode.BadLength, `handshake is ${bytes.length} bytes, not 68`, bytes.length);
  checkHandshakePrefix(bytes);
  const reserved = bytes.slice(20, 28);
  return {
    reserved,
    flags: decodeReserved(reserved),
    infoHash: bytes.slice(28, 48) as InfoHash,
    peerId: bytes.slice(48, 68) as PeerId,
  };
}
