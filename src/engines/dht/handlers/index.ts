/** Routes a decoded query to its handler (one file per RPC); unknown methods get 204 (BEP 5). */
import { KrpcErrorNumber } from '../../../codecs/krpc/errors.js';
import type { KrpcQuery, PeerAddress } from '../../../codecs/krpc/types.js';
import { handleAnnouncePeer } from './announce-peer.js';
import type { HandlerContext, Reply } from './context.js';
import { handleFindNode } from './find-node.js';
import { handleGetPeers } from './get-peers.js';
import { handlePing } from './ping.js';

export function dispatchQuery(ctx: HandlerContext, q: KrpcQuery, from: PeerAddress): Reply | Promise<Reply> {
  switch (q.q) {
    case 'ping':
      return handlePing(ctx, q);
    case 'find_node':
      return handleFindNode(ctx, q, from);
    case 'get_peers':
      return handleGetPeers(ctx, q, from);
    case 'announce_peer':
      return handleAnnouncePeer(ctx, q, from);
    default:
      return { y: 'e', number: KrpcErrorNumber.MethodUnknown, message: 'Method Unknown' };
  }
}
