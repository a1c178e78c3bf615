/**
 * BEP 5 get_peers: a token for a later announce_peer, the k closest nodes we know, and the
 * stored peers of the info hash (`values`, at most `maxPeersReply`, a random sample). Like
 * libtorrent we send nodes along with values, so lookups keep converging on the nodes closest to
 * the info hash (where announces must go) instead of stopping at the first node with peers.
 */
import type { GetPeersQuery, PeerAddress } from '../../../codecs/krpc/types.js';
import type { StoredPeer } from '../../../ports/peer-store.js';
import { type HandlerContext, nodesFor, type Reply } from './context.js';

export function handleGetPeers(ctx: HandlerContext, q: GetPeersQuery, from: PeerAddress): Reply | Promise<Reply> {
  const token = ctx.tokens.issue(from.address);
  const family = from.address.includes(':') ? 'IPv6' : 'IPv4';
  const found = ctx.peerStore.get(q.infoHash, { max: ctx.maxPeersReply, family, now: ctx.now(), pick: (n) => ctx.rng.int(n) });
  const answer = (peers: StoredPeer[]): Reply => {
    const values = peers.length > 0 ? { values: peers.map((p) => ({ address: p.address, port: p.port })) } : {};
    return { y: 'r', id: ctx.ownId, token, ...nodesFor(ctx, q.infoHash, from, q.want), ...values };
  };
  return Array.isArray(found) ? answer(found) : found.then(answer);
}
