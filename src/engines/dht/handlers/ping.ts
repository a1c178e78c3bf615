/** BEP 5 ping: answer with our id. */
import type { PingQuery } from '../../../codecs/krpc/types.js';
import type { HandlerContext, Reply } from './context.js';

export function handlePing(ctx: HandlerContext, _q: PingQuery): Reply {
  return { y: 'r', id: ctx.ownId };
}
