/**
 * BEP 10 extension handshake: the payload of extended message id 0, a bencoded dictionary.
 * `m` maps extension names to the ids the SENDER wants to receive them on (0 = disabled).
 * Optional keys we read: `v` (client), `p` (listen port), `reqq` (requests it queues),
 * `yourip`, `ipv4`, `ipv6`, `metadata_size` (BEP 9), `upload_only` (BEP 21), `complete_ago`.
 *
 * Decoding is lenient about optional keys of the wrong type (real clients send odd ones: they are
 * skipped) and strict about the shape: the payload must be a dictionary, `m` a dictionary, ids
 * integers in 0..255, and `metadata_size` within the caller's limit.
 */
import { type BDict, type BEncodable, type BValue, decode, encode } from '../bencode/index.js';
import { binaryToUtf8, utf8Decode, utf8ToBinary } from '../../util/bytes.js';
import { WireError, WireErrorCode } from './errors.js';

export interface ExtensionHandshake {
  /** Extension name -> the id to send that extension's messages to this peer with (0 = disabled). */
  m: Record<string, number>;
  /** Client name and version, e.g. "libtorrent/2.0.8". */
  v?: string;
  /** The sender's TCP listen port. */
  p?: number;
  /** How many outstanding requests the sender queues without dropping any (libtorrent's default: 250). */
  reqq?: number;
  /** Our address as the sender sees it (4 or 16 bytes). */
  yourip?: Uint8Array;
  ipv4?: Uint8Array;
  ipv6?: Uint8Array;
  /** BEP 9: size of the info dictionary in bytes. */
  metadataSize?: number;
  /** BEP 21: the sender only uploads (a seed or a partial seed). */
  uploadOnly?: boolean;
  /** Seconds since the sender last had all pieces (-1: never). */
  completeAgo?: number;
}

export interface DecodedExtensionHandshake extends ExtensionHandshake {
  /** The whole dictionary (keys are binary strings), for extensions that read keys of their own. */
  raw: BDict;
}

export interface ExtensionHandshakeLimits {
  /** Largest `metadata_size` accepted (default 32 MiB; libtorrent caps at a few MiB). */
  maxMetadataSize?: number;
}

export const DEFAULT_MAX_METADATA_SIZE = 32 * 1024 * 1024;

/** Encodes a handshake; `extra` adds keys (binary-string keys) that extensions contribute. */
export function encodeExtensionHandshake(h: ExtensionHandshake, extra?: Readonly<Record<string, BEncodable | undefined>>): Uint8Array {
  const m: Record<string, number> = {};
  for (const [name, id] of Object.entries(h.m)) {
    if (!Number.isInteger(id) || id < 0 || id > 255) throw new WireError(WireErrorCode.BadArgument, `extension id ${id} for ${name} out of range`);
    m[utf8ToBinary(name)] = id;
  }
  const d: Record<string, BEncodable | undefined> = { ...extra, m };
  if (h.v !== undefined) d.v = h.v;
  if (h.p !== undefined) d.p = h.p;
  if (h.reqq !== undefined) d.reqq = h.reqq;
  if (h.yourip !== undefined) d.yourip = h.yourip;
  if (h.ipv4 !== undefined) d.ipv4 = h.ipv4;
  if (h.ipv6 !== undefined) d.ipv6 = h.ipv6;
  if (h.metadataSize !== undefined) d.metadata_size = h.metadataSize;
  if (h.uploadOnly !== undefined) d.upload_only = h.uploadOnly ? 1 : 0;
  if (h.completeAgo !== undefined) d.complete_ago = h.completeAgo;
  return encode(d);
}

function int(v: BValue | undefined): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;
}

function bytes(v: BValue | undefined, ...lengths: number[]): Uint8Array | undefined {
  return v instanceof Uint8Array && (lengths.length === 0 || lengths.includes(v.length)) ? v.slice() : undefined;
}

function isDict(v: BValue | undefined): v is BDict {
  return typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && !Array.isArray(v);
}

export function decodeExtensionHandshake(payload: Uint8Array, limits: ExtensionHandshakeLimits = {}): DecodedExtensionHandshake {
  let d: BValue;
  try {
    d = decode(payload, { maxDepth: 16, maxTokens: 20_000 });
  } catch (err) {
    throw new WireError(WireErrorCode.BadExtension, `extension handshake is not bencoded: ${(err as Error).message}`);
  }
  if (!isDict(d)) throw new WireError(WireErrorCode.BadExtension, 'extension handshake is not a dictionary');
  const m: Record<string, number> = {};
  const rawM = d.m;
  if (rawM !== undefined) {
    if (!isDict(rawM)) throw new WireError(WireErrorCode.BadExtension, "extension handshake 'm' is not a dictionary");
    for (const key of Object.keys(rawM)) {
      const id = int(rawM[key]);
      if (id === undefined || id < 0 || id > 255) throw new WireError(WireErrorCode.BadExtension, `extension id for ${binaryToUtf8(key)} is not in 0..255`);
      m[binaryToUtf8(key)] = id;
    }
  }
  const out: DecodedExtensionHandshake = { m, raw: d };
  if (d.v instanceof Uint8Array) out.v = utf8Decode(d.v);
  const p = int(d.p);
  if (p !== undefined && p > 0 && p <= 0xffff) out.p = p;
  const reqq = int(d.reqq);
  if (reqq !== undefined && reqq > 0) out.reqq = reqq;
  const yourip = bytes(d.yourip, 4, 16);
  if (yourip) out.yourip = yourip;
  const ipv4 = bytes(d.ipv4, 4);
  if (ipv4) out.ipv4 = ipv4;
  const ipv6 = bytes(d.ipv6, 16);
  if (ipv6) out.ipv6 = ipv6;
  const size = int(d.metadata_size);
  if (size !== undefined) {
    const max = limits.maxMetadataSize ?? DEFAULT_MAX_METADATA_SIZE;
    if (size <= 0 || size > max) throw new WireError(WireErrorCode.BadExtension, `metadata_size ${size} outside 1..${max}`);
    out.metadataSize = size;
  }
  const uploadOnly = int(d.upload_only);
  if (uploadOnly !== undefined) out.uploadOnly = uploadOnly !== 0;
  const completeAgo = int(d.complete_ago);
  if (completeAgo !== undefined) out.completeAgo = completeAgo;
  return out;
}
