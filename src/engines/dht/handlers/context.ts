/** What the RPC handlers may use: narrow, so each handler is testable on its own. */
import type { KrpcErrorMessage, KrpcResponse, NodeInfo, PeerAddress, Want } from '../../../codecs/krpc/types.js';
import type { PeerStore } from '../../../ports/peer-store.js';
import type { Rng } from '../../../ports/rng.js';
import type { TokenManager } from '../tokens.js';

export interface HandlerContext {
  ownId: Uint8Array;
  /** Our socket's family: the default family of nodes returned (BEP 32). */
  family: 'IPv4' | 'IPv6';
  k: number;
  /** Most peers in one get_peers answer. */
  maxPeersReply: number;
  now(): number;
  rng: Rng;
  tokens: TokenManager;
  peerStore: PeerStore;
  closest(target: Uint8Array, n: number, family: 'IPv4' | 'IPv6'): NodeInfo[];
}

/** A handler's answer without the transaction id (added by the node). */
export type Reply = Omit<KrpcResponse, 't'> | Omit<KrpcErrorMessage, 't'>;

/**
 * BEP 32: nodes of the families in `want`, or of the querier's own family when `want` is
 * absent. Never more than k per family: the answer stays as small as the question invites.
 */
export function nodesFor(ctx: HandlerContext, target: Uint8Array, from: PeerAddress, want: Want[] | undefined): Pick<KrpcResponse, 'nodes' | 'nodes6'> {
  const families = want && want.length > 0 ? want : [from.address.includes(':') ? 'n6' : 'n4'];
  const out: Pick<KrpcResponse, 'nodes' | 'nodes6'> = {};
  if (families.includes('n4')) out.nodes = ctx.closest(target, ctx.k, 'IPv4');
  if (families.includes('n6')) out.nodes6 = ctx.closest(target, ctx.k, 'IPv6');
  return out;
}
