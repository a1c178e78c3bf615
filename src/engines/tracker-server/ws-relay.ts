/**
 * The WebSocket tracker's swarms and its offer/answer relay (the WebTorrent protocol of the
 * `bittorrent-tracker` package; messages in src/codecs/tracker/ws.ts). Browser peers cannot accept
 * connections, so a peer announces with a few WebRTC offers; the tracker hands each offer to a
 * different peer of the swarm, and relays that peer's answer back to the offerer. Because a peer is
 * reachable only through its own socket, these swarms live beside the sockets (not in the
 * SwarmStore); the core still decides what is allowed and counts the requests.
 *
 * Owns: swarm membership per socket, the seeder flag, the choice of offer targets, and the pairs of
 * peers that are in the middle of a WebRTC handshake. It knows sockets only as opaque handles and
 * writes through `send`, so it runs without a network in tests.
 *
 * Glare. WebTorrent keeps one connection per remote peer id and destroys any later one
 * (webtorrent `Torrent._addPeer`: "ignoring peer: duplicate"). If A's offer reaches B and, before
 * B's answer gets back to A, an offer from B reaches A, then B keeps the connection of A's offer
 * (it was first on B's side) and A keeps the connection of B's offer (first on A's side); each side
 * then destroys the half the other one kept, and neither handshake completes. The two clients retry
 * on every re-announce and meet the same race again, so the swarm can stay disconnected for good.
 * A tracker cannot stop clients from offering, but it chooses where offers go: between relaying an
 * offer from A to B and relaying B's answer back, it sends no other offer between A and B, in either
 * direction.
 */
import type { WsAnnounceMessage } from '../../codecs/tracker/ws.js';
import { encodeWsAnnounceResponse, encodeWsAnswer, encodeWsFailure, encodeWsOffer, encodeWsScrapeResponse } from '../../codecs/tracker/ws.js';
import type { ScrapeEntry } from '../../codecs/tracker/types.js';
import type { Clock } from '../../ports/clock.js';
import type { Rng } from '../../ports/rng.js';
import { bytesToBinary } from '../../util/bytes.js';
import type { TrackerCore } from './core.js';

/** Most swarms one socket may join (a browser tab rarely has more than a few torrents). */
export const MAX_SWARMS_PER_SOCKET = 100;
/**
 * How long a relayed offer keeps its pair of peers out of other offers when no answer comes back:
 * the life of an offer in the `bittorrent-tracker` client (OFFER_TIMEOUT, 50 s), after which the
 * offering peer destroys it and an answer could not complete it anyway.
 */
export const OFFER_LIFETIME_MS = 50_000;
/** Longest announce interval handed to WebSocket peers (they re-announce to refresh offers). */
export const WS_MAX_INTERVAL_S = 120;

interface WsPeer<S> {
  socket: S;
  seeder: boolean;
  /** Peer id (binary) -> time (Clock.now) until which an offer between the two is unanswered. */
  signalling: Map<string, number>;
}

export interface WsRelayDeps<S> {
  core: TrackerCore;
  clock: Clock;
  rng: Rng;
  /** Writes one text frame to a socket (dropped if the socket is no longer open). */
  send: (socket: S, text: string) => void;
}

export class WsRelay<S> {
  /** info hash (binary) -> peer id (binary) -> peer. */
  private readonly swarms = new Map<string, Map<string, WsPeer<S>>>();
  /** socket -> (info hash + peer id) it announced. */
  private readonly memberships = new Map<S, Set<string>>();

  constructor(private readonly deps: WsRelayDeps<S>) {}

  /** A new socket; it may announce from now on. */
  attach(socket: S): void {
    if (!this.memberships.has(socket)) this.memberships.set(socket, new Set());
  }

  /** The socket closed: its peers leave their swarms. */
  detach(socket: S): void {
    const keys = this.memberships.get(socket);
    this.memberships.delete(socket);
    if (!keys) return;
    for (const k of keys) this.leave(k.slice(0, 20), k.slice(20), socket);
  }

  /** Number of peers in a swarm (for tests and statistics). */
  swarmSize(infoHash: Uint8Array): number {
    return this.swarms.get(bytesToBinary(infoHash))?.size ?? 0;
  }

  scrape(socket: S, infoHashes: readonly Uint8Array[]): void {
    this.deps.core.scrapeCounted('ws');
    const entries: ScrapeEntry[] = infoHashes.map((h) => {
      const { seeders, size } = this.counts(this.swarms.get(bytesToBinary(h)));
      return { infoHash: h, complete: seeders, incomplete: size - seeders, downloaded: 0 };
    });
    this.deps.send(socket, encodeWsScrapeResponse(entries));
  }

  announce(socket: S, m: WsAnnounceMessage): void {
    const { core } = this.deps;
    if (!core.isAllowed(m.infoHash)) {
      core.reject('BT_ERR_TRACKER_NOT_ALLOWED');
      this.deps.send(socket, encodeWsFailure('torrent not registered with this tracker', 'announce', m.infoHash));
      return;
    }
    const member = this.memberships.get(socket);
    if (!member) return;
    core.announceCounted('ws', m.peerId);
    const ih = bytesToBinary(m.infoHash);
    const id = bytesToBinary(m.peerId);
    // An answer is signalling only: it carries no transfer statistics (the client sends no `left`),
    // so it must not change the sender's seeder flag or membership.
    if (m.answer) return this.relayAnswer(socket, m, ih, id);
    if (m.event === 'stopped') {
      this.leave(ih, id, socket);
      member.delete(ih + id);
      const { seeders, size } = this.counts(this.swarms.get(ih));
      this.reply(socket, m.infoHash, seeders, size);
      return;
    }
    let swarm = this.swarms.get(ih);
    if (!swarm) {
      swarm = new Map();
      this.swarms.set(ih, swarm);
    }
    if (!member.has(ih + id)) {
      if (member.size >= MAX_SWARMS_PER_SOCKET) {
        core.reject('BT_ERR_TRACKER_TOO_LARGE');
        this.deps.send(socket, encodeWsFailure('too many swarms on one socket', 'announce', m.infoHash));
        if (swarm.size === 0) this.swarms.delete(ih);
        return;
      }
      member.add(ih + id);
    }
    let self = swarm.get(id);
    if (self) {
      if (self.socket !== socket) {
        // The same peer id on a new socket (a reconnect): only the new socket reaches it now.
        this.memberships.get(self.socket)?.delete(ih + id);
        self.socket = socket;
      }
      self.seeder = m.left === 0;
    } else {
      self = { socket, seeder: m.left === 0, signalling: new Map() };
      swarm.set(id, self);
    }
    const { seeders, size } = this.counts(swarm);
    this.reply(socket, m.infoHash, seeders, size);
    if (m.offers.length > 0) this.relayOffers(swarm, id, self, m);
  }

  /** Forgets every swarm (the tracker is closing). */
  clear(): void {
    this.swarms.clear();
    this.memberships.clear();
  }

  private reply(socket: S, infoHash: Uint8Array, seeders: number, size: number): void {
    const interval = Math.min(this.deps.core.options.intervalS, WS_MAX_INTERVAL_S);
    this.deps.send(socket, encodeWsAnnounceResponse({ infoHash, interval, complete: seeders, incomplete: size - seeders }));
  }

  /**
   * Each offer goes to a different random peer, never to the offerer itself, never from a seeder to
   * a seeder, and never between two peers that have an unanswered offer between them (glare, see
   * the header). Offers left over when no peer qualifies are dropped; the client lets them expire.
   */
  private relayOffers(swarm: Map<string, WsPeer<S>>, id: string, self: WsPeer<S>, m: WsAnnounceMessage): void {
    const now = this.deps.clock.now();
    const candidates: [string, WsPeer<S>][] = [];
    for (const [pid, p] of swarm) {
      if (pid === id || (self.seeder && p.seeder)) continue;
      const until = self.signalling.get(pid);
      if (until !== undefined) {
        if (until > now) continue;
        self.signalling.delete(pid);
        p.signalling.delete(id);
      }
      candidates.push([pid, p]);
    }
    const until = now + OFFER_LIFETIME_MS;
    for (let i = 0; i < m.offers.length && candidates.length > 0; i++) {
      const j = this.deps.rng.int(candidates.length);
      const [pid, peer] = candidates[j];
      candidates[j] = candidates[candidates.length - 1];
      candidates.pop();
      self.signalling.set(pid, until);
      peer.signalling.set(id, until);
      this.deps.send(peer.socket, encodeWsOffer(m.infoHash, m.peerId, m.offers[i]));
    }
  }

  /** Relays an answer to the peer that made the offer; no announce reply is sent. */
  private relayAnswer(socket: S, m: WsAnnounceMessage, ih: string, id: string): void {
    const answer = m.answer!;
    const swarm = this.swarms.get(ih);
    const from = swarm?.get(id);
    const toId = bytesToBinary(answer.toPeerId);
    const to = swarm?.get(toId);
    // Only a member of the swarm answers, from its own socket (it got the offer there).
    if (!from || from.socket !== socket || !to) {
      this.deps.core.reject('BT_ERR_TRACKER_WS_UNKNOWN_PEER');
      return;
    }
    // The offerer learns of this connection with the answer; from then on an offer between the two
    // is a duplicate WebTorrent drops at once, not a race, so the pair is free again.
    from.signalling.delete(toId);
    to.signalling.delete(id);
    this.deps.send(to.socket, encodeWsAnswer(m.infoHash, m.peerId, answer.signal, answer.offerId));
  }

  private leave(ih: string, id: string, socket: S): void {
    const swarm = this.swarms.get(ih);
    const peer = swarm?.get(id);
    if (!swarm || !peer || peer.socket !== socket) return;
    swarm.delete(id);
    for (const other of peer.signalling.keys()) swarm.get(other)?.signalling.delete(id);
    if (swarm.size === 0) this.swarms.delete(ih);
  }

  private counts(swarm: Map<string, WsPeer<S>> | undefined): { seeders: number; size: number } {
    let seeders = 0;
    if (swarm) for (const p of swarm.values()) if (p.seeder) seeders++;
    return { seeders, size: swarm?.size ?? 0 };
  }
}
