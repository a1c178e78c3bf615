/**
 * BEP 5 announce_peer: store the querier's IP with the announced port (or its UDP source port
 * when `implied_port` is 1), if its token is one we issued to that IP in the last 5-10 minutes.
 */
import { KrpcErrorNumber } from '../../../codecs/krpc/errors.js';
import type { AnnouncePeerQuery, PeerAddress } from '../../../codecs/krpc/types.js';
import type { HandlerContext, Reply } from './context.js';

export function handleAnnouncePeer(ctx: HandlerContext, q: AnnouncePeerQuery, from: PeerAddress): Reply | Promise<Reply> {
  if (!ctx.tokens.verify(q.token, from.address)) {
    return { y: 'e', number: KrpcErrorNumber.Protocol, message: 'bad token' };
  }
  const port = q.impliedPort ? from.port : q.port;
  if (port <= 0 || port > 65535) return { y: 'e', number: KrpcErrorNumber.Protocol, message: 'bad port' };
  const ok: Reply = { y: 'r', id: ctx.ownId };
  const stored = ctx.peerStore.add(q.infoHash, { address: from.address, port, ...(q.seed ? { seed: true } : {}) }, ctx.now());
  return stored instanceof Promise ? stored.then(() => ok) : ok;
}
