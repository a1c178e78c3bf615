/**
 * KRPC encoding (BEP 5, BEP 32, BEP 42). Produces canonical bencode: the bencode encoder sorts
 * keys, so `encodeKrpc(decodeKrpc(b))` reproduces any canonical message we understand.
 */
import { type BEncodable, encode } from '../bencode/index.js';
import { encodeCompactNodes, encodeCompactPeer } from './compact.js';
import type { KrpcMessage, NodeInfo } from './types.js';

function nodesOf(nodes: readonly NodeInfo[], family: 'IPv4' | 'IPv6'): Uint8Array {
  return encodeCompactNodes(nodes, family);
}

export function encodeKrpc(msg: KrpcMessage): Uint8Array {
  const top: Record<string, BEncodable> = { t: msg.t, y: msg.y };
  if (msg.version) top.v = msg.version;
  if (msg.y === 'q') {
    const a: Record<string, BEncodable> = { id: msg.id };
    if (msg.readOnly) top.ro = 1;
    switch (msg.q) {
      case 'ping':
        break;
      case 'find_node':
        a.target = msg.target;
        if (msg.want) a.want = msg.want;
        break;
      case 'get_peers':
        a.info_hash = msg.infoHash;
        if (msg.want) a.want = msg.want;
        if (msg.noseed) a.noseed = 1;
        break;
      case 'announce_peer':
        a.info_hash = msg.infoHash;
        a.port = msg.port;
        a.token = msg.token;
        if (msg.impliedPort) a.implied_port = 1;
        if (msg.seed) a.seed = 1;
        break;
      case 'unknown':
        break;
    }
    top.q = msg.q === 'unknown' ? msg.method : msg.q;
    top.a = a;
  } else if (msg.y === 'r') {
    const r: Record<string, BEncodable> = { id: msg.id };
    if (msg.nodes) r.nodes = nodesOf(msg.nodes, 'IPv4');
    if (msg.nodes6) r.nodes6 = nodesOf(msg.nodes6, 'IPv6');
    if (msg.values) r.values = msg.values.map(encodeCompactPeer);
    if (msg.token) r.token = msg.token;
    if (msg.ip) top.ip = encodeCompactPeer(msg.ip);
    top.r = r;
  } else {
    top.e = [msg.number, msg.message];
    if (msg.ip) top.ip = encodeCompactPeer(msg.ip);
  }
  return encode(top);
}
