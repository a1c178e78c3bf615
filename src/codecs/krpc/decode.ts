/**
 * KRPC decoding (BEP 5): one bencoded dictionary per UDP datagram. Every size the sender names is
 * checked against `KrpcLimits` before it is used, and a query that cannot be understood yields a
 * `KrpcDecodeError` carrying its transaction id so the node can answer 203 (BEP 5).
 */
import { type BDict, type BValue, decode } from '../bencode/index.js';
import { utf8Decode } from '../../util/bytes.js';
import { decodeCompactNodes, decodeCompactPeer } from './compact.js';
import { KrpcCode, KrpcDecodeError, KrpcErrorNumber } from './errors.js';
import {
  DEFAULT_KRPC_LIMITS,
  type KrpcLimits,
  type KrpcMessage,
  type KrpcQuery,
  type KrpcResponse,
  type PeerAddress,
  type Want,
} from './types.js';

/** Depth needed by KRPC is 3 (message, `a`/`r`, `values`/`want`); a little slack for extensions. */
const MAX_DEPTH = 6;
/** Enough tokens for a full reply (nodes, nodes6, up to maxValues values) plus unknown keys. */
const MAX_TOKENS = 1024;

function isDict(v: BValue | undefined): v is BDict {
  return typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && !Array.isArray(v);
}

function bytes(v: BValue | undefined): Uint8Array | undefined {
  return v instanceof Uint8Array ? v : undefined;
}

function ascii(b: Uint8Array): string {
  return utf8Decode(b);
}

interface Ctx {
  t?: Uint8Array;
  isQuery: boolean;
}

function fail(code: KrpcCode, message: string, ctx: Ctx): never {
  throw new KrpcDecodeError(code, message, { transactionId: ctx.t, isQuery: ctx.isQuery });
}

function id20(d: BDict, key: string, ctx: Ctx): Uint8Array {
  const v = d[key];
  if (v === undefined) fail(KrpcCode.MissingField, `missing "${key}"`, ctx);
  const b = bytes(v);
  if (!b || b.length !== 20) fail(KrpcCode.BadField, `"${key}" is not 20 bytes`, ctx);
  return b;
}

function flag(d: BDict, key: string): boolean {
  return d[key] === 1;
}

function wantList(d: BDict): Want[] | undefined {
  const v = d.want;
  if (!Array.isArray(v)) return undefined;
  const out: Want[] = [];
  for (const w of v.slice(0, 4)) {
    const b = bytes(w);
    if (!b) continue;
    const s = ascii(b);
    if ((s === 'n4' || s === 'n6') && !out.includes(s)) out.push(s);
  }
  return out;
}

function compactIp(v: BValue | undefined): PeerAddress | undefined {
  const b = bytes(v);
  if (!b || (b.length !== 6 && b.length !== 18)) return undefined;
  return decodeCompactPeer(b);
}

function decodeQuery(msg: BDict, ctx: Ctx, limits: KrpcLimits): KrpcQuery {
  const qb = bytes(msg.q);
  if (!qb) fail(KrpcCode.MissingField, 'query without "q"', ctx);
  const a = msg.a;
  if (!isDict(a)) fail(KrpcCode.MissingField, 'query without "a" dictionary', ctx);
  const base = {
    y: 'q' as const,
    t: ctx.t!,
    id: id20(a, 'id', ctx),
    ...(flag(msg, 'ro') ? { readOnly: true } : {}),
    ...(bytes(msg.v) ? { version: bytes(msg.v) } : {}),
  };
  const method = ascii(qb);
  switch (method) {
    case 'ping':
      return { ...base, q: 'ping' };
    case 'find_node': {
      const want = wantList(a);
      return { ...base, q: 'find_node', target: id20(a, 'target', ctx), ...(want ? { want } : {}) };
    }
    case 'get_peers': {
      const want = wantList(a);
      return {
        ...base,
        q: 'get_peers',
        infoHash: id20(a, 'info_hash', ctx),
        ...(want ? { want } : {}),
        ...(flag(a, 'noseed') ? { noseed: true } : {}),
      };
    }
    case 'announce_peer': {
      const infoHash = id20(a, 'info_hash', ctx);
      const token = bytes(a.token);
      if (!token) fail(KrpcCode.MissingField, 'announce_peer without "token"', ctx);
      if (token.length > limits.maxTokenBytes) fail(KrpcCode.Limit, `token of ${token.length} bytes`, ctx);
      const impliedPort = flag(a, 'implied_port');
      const port = a.port;
      if (!impliedPort) {
        if (typeof port !== 'number') fail(KrpcCode.MissingField, 'announce_peer without "port"', ctx);
        if (!Number.isInteger(port) || port < 1 || port > 65535) fail(KrpcCode.BadField, `bad port ${port}`, ctx);
      }
      return {
        ...base,
        q: 'announce_peer',
        infoHash,
        token,
        impliedPort,
        port: typeof port === 'number' && Number.isInteger(port) && port >= 0 && port <= 65535 ? port : 0,
        ...(flag(a, 'seed') ? { seed: true } : {}),
      };
    }
    default:
      return { ...base, q: 'unknown', method: method.slice(0, 64) };
  }
}

function decodeResponse(msg: BDict, ctx: Ctx, limits: KrpcLimits): KrpcResponse {
  const r = msg.r;
  if (!isDict(r)) fail(KrpcCode.MissingField, 'response without "r" dictionary', ctx);
  const out: KrpcResponse = { y: 'r', t: ctx.t!, id: id20(r, 'id', ctx) };
  const nodes = bytes(r.nodes);
  if (nodes) out.nodes = decodeCompactNodes(nodes, 'IPv4', limits.maxNodes);
  const nodes6 = bytes(r.nodes6);
  if (nodes6) out.nodes6 = decodeCompactNodes(nodes6, 'IPv6', limits.maxNodes);
  if (r.values !== undefined) {
    if (!Array.isArray(r.values)) fail(KrpcCode.BadField, '"values" is not a list', ctx);
    if (r.values.length > limits.maxValues) fail(KrpcCode.Limit, `${r.values.length} values exceed ${limits.maxValues}`, ctx);
    const values: PeerAddress[] = [];
    for (const v of r.values) {
      const b = bytes(v);
      if (!b) fail(KrpcCode.BadField, 'a value is not a byte string', ctx);
      // Some implementations pad or concatenate; accept whole 6/18-byte entries only.
      if (b.length === 6 || b.length === 18) values.push(decodeCompactPeer(b));
    }
    out.values = values;
  }
  const token = bytes(r.token);
  if (token) {
    if (token.length > limits.maxTokenBytes) fail(KrpcCode.Limit, `token of ${token.length} bytes`, ctx);
    out.token = token;
  }
  const ip = compactIp(msg.ip);
  if (ip) out.ip = ip;
  const v = bytes(msg.v);
  if (v) out.version = v;
  return out;
}

/** Decodes one KRPC datagram. Throws `KrpcDecodeError` (never anything else) on bad input. */
export function decodeKrpc(input: Uint8Array, limits: KrpcLimits = DEFAULT_KRPC_LIMITS): KrpcMessage {
  if (input.length > limits.maxMessageBytes) {
    throw new KrpcDecodeError(KrpcCode.TooLong, `datagram of ${input.length} bytes exceeds ${limits.maxMessageBytes}`);
  }
  let root: BValue;
  try {
    root = decode(input, { maxDepth: MAX_DEPTH, maxTokens: MAX_TOKENS, maxLength: limits.maxMessageBytes });
  } catch (err) {
    throw new KrpcDecodeError(KrpcCode.Malformed, 'not a bencoded message', { cause: err });
  }
  if (!isDict(root)) throw new KrpcDecodeError(KrpcCode.Malformed, 'message is not a dictionary');
  const t = bytes(root.t);
  const y = bytes(root.y);
  const kind = y && y.length === 1 ? String.fromCharCode(y[0]) : '';
  const ctx: Ctx = { isQuery: kind === 'q' };
  if (!t) fail(KrpcCode.MissingField, 'message without transaction id "t"', ctx);
  if (t.length > limits.maxTransactionBytes) fail(KrpcCode.Limit, `transaction id of ${t.length} bytes`, ctx);
  ctx.t = t;
  try {
    if (kind === 'q') return decodeQuery(root, ctx, limits);
    if (kind === 'r') return decodeResponse(root, ctx, limits);
    if (kind === 'e') {
      const e = root.e;
      const number = Array.isArray(e) && typeof e[0] === 'number' ? e[0] : KrpcErrorNumber.Generic;
      const text = Array.isArray(e) && bytes(e[1]) ? utf8Decode(bytes(e[1])!).slice(0, 256) : '';
      const ip = compactIp(root.ip);
      return { y: 'e', t, number, message: text, ...(ip ? { ip } : {}) };
    }
  } catch (err) {
    if (err instanceof KrpcDecodeError) {
      if (err.transactionId) throw err;
      throw new KrpcDecodeError(err.code, err.message, { transactionId: t, isQuery: ctx.isQuery, cause: err });
    }
    throw err;
  }
  return fail(KrpcCode.BadField, `unknown message kind "y"`, ctx);
}
