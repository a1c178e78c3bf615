/** BEP 5 find_node: the k closest nodes we know to `target` (per family, BEP 32). */
import type { FindNodeQuery, PeerAddress } from '../../../codecs/krpc/types.js';
import { type HandlerContext, nodesFor, type Reply } from './context.js';

export function handleFindNode(ctx: HandlerContext, q: FindNodeQuery, from: PeerAddress): Reply {
  return { y: 'r', id: ctx.ownId, ...nodesFor(ctx, q.target, from, q.want) };
}
