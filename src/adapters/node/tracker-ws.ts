/**
 * The tracker's WebSocket front end in the WebTorrent format (the `bittorrent-tracker` package's
 * protocol, see src/codecs/tracker/ws.ts). Browser peers cannot accept connections, so the tracker
 * relays WebRTC offers and answers between the sockets of one swarm. Because a peer is reachable
 * only through its own socket, WebSocket swarms live in this process (not in the SwarmStore); the
 * core still decides what is allowed and counts the requests.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { TrackerError } from '../../codecs/tracker/errors.js';
import {
  decodeWsMessage,
  encodeWsAnnounceResponse,
  encodeWsAnswer,
  encodeWsFailure,
  encodeWsOffer,
  encodeWsScrapeResponse,
  WS_MAX_MESSAGE_BYTES,
  type WsAnnounceMessage,
} from '../../codecs/tracker/ws.js';
import type { TrackerCore } from '../../engines/tracker-server/core.js';
import type { Rng } from '../../ports/rng.js';
import { bytesToBinary } from '../../util/bytes.js';

interface WsPeer {
  socket: WebSocket;
  seeder: boolean;
}

/** Most swarms one socket may join (a browser tab rarely has more than a few torrents). */
const MAX_SWARMS_PER_SOCKET = 100;

export class WsTracker {
  private readonly wss: WebSocketServer;
  /** info hash (binary) -> peer id (binary) -> peer. */
  private readonly swarms = new Map<string, Map<string, WsPeer>>();
  /** socket -> [info hash, peer id] it announced. */
  private readonly memberships = new Map<WebSocket, Set<string>>();

  constructor(
    private readonly core: TrackerCore,
    private readonly rng: Rng,
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_MESSAGE_BYTES, perMessageDeflate: false, clientTracking: true });
  }

  /** Hands an HTTP upgrade request to the WebSocket server. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws));
  }

  private attach(ws: WebSocket): void {
    this.memberships.set(ws, new Set());
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        this.core.reject('BT_ERR_TRACKER_WS_BAD_MESSAGE');
        return;
      }
      this.onMessage(ws, data.toString());
    });
    ws.on('error', () => this.core.reject('BT_ERR_TRACKER_WS_SOCKET'));
    ws.on('close', () => this.detach(ws));
  }

  private detach(ws: WebSocket): void {
    const keys = this.memberships.get(ws);
    this.memberships.delete(ws);
    if (!keys) return;
    for (const k of keys) {
      const ih = k.slice(0, 20);
      const swarm = this.swarms.get(ih);
      const id = k.slice(20);
      if (swarm?.get(id)?.socket === ws) swarm.delete(id);
      if (swarm?.size === 0) this.swarms.delete(ih);
    }
  }

  private onMessage(ws: WebSocket, text: string): void {
    let m;
    try {
      m = decodeWsMessage(text);
    } catch (err) {
      const code = err instanceof TrackerError ? err.code : 'BT_ERR_INTERNAL';
      this.core.reject(code);
      send(ws, encodeWsFailure(err instanceof TrackerError ? err.reason : 'internal error'));
      return;
    }
    if (m.action === 'scrape') {
      this.core.scrapeCounted('ws');
      const entries = m.infoHashes.map((h) => {
        const swarm = this.swarms.get(bytesToBinary(h));
        let seeders = 0;
        if (swarm) for (const p of swarm.values()) if (p.seeder) seeders++;
        return { infoHash: h, complete: seeders, incomplete: (swarm?.size ?? 0) - seeders, downloaded: 0 };
      });
      send(ws, encodeWsScrapeResponse(entries));
      return;
    }
    this.announce(ws, m);
  }

  private announce(ws: WebSocket, m: WsAnnounceMessage): void {
    if (!this.core.isAllowed(m.infoHash)) {
      this.core.reject('BT_ERR_TRACKER_NOT_ALLOWED');
      send(ws, encodeWsFailure('torrent not registered with this tracker', 'announce', m.infoHash));
      return;
    }
    this.core.announceCounted('ws', m.peerId);
    const ih = bytesToBinary(m.infoHash);
    const id = bytesToBinary(m.peerId);
    let swarm = this.swarms.get(ih);
    const member = this.memberships.get(ws);
    if (!member) return;
    if (m.event === 'stopped') {
      if (swarm?.get(id)?.socket === ws) swarm.delete(id);
      member.delete(ih + id);
    } else {
      if (!swarm) {
        swarm = new Map();
        this.swarms.set(ih, swarm);
      }
      if (!member.has(ih + id)) {
        if (member.size >= MAX_SWARMS_PER_SOCKET) {
          this.core.reject('BT_ERR_TRACKER_TOO_LARGE');
          send(ws, encodeWsFailure('too many swarms on one socket', 'announce', m.infoHash));
          return;
        }
        member.add(ih + id);
      }
      swarm.set(id, { socket: ws, seeder: m.left === 0 });
    }
    if (m.answer) {
      // Relay the answer to the peer that made the offer; no announce reply is needed.
      const to = swarm?.get(bytesToBinary(m.answer.toPeerId));
      if (to) send(to.socket, encodeWsAnswer(m.infoHash, m.peerId, m.answer.signal, m.answer.offerId));
      else this.core.reject('BT_ERR_TRACKER_WS_UNKNOWN_PEER');
      return;
    }
    let seeders = 0;
    if (swarm) for (const p of swarm.values()) if (p.seeder) seeders++;
    const interval = Math.min(this.core.options.intervalS, 120);
    send(ws, encodeWsAnnounceResponse({ infoHash: m.infoHash, interval, complete: seeders, incomplete: (swarm?.size ?? 0) - seeders }));
    if (m.offers.length > 0 && swarm) {
      const self = swarm.get(id);
      // Peers are told apart by peer id, not socket: one process may announce several torrents
      // (or clients) over one pooled socket, as bittorrent-tracker's client does.
      const candidates = [...swarm.entries()].filter(([pid, p]) => pid !== id && !(self?.seeder && p.seeder));
      for (let i = 0; i < m.offers.length && candidates.length > 0; i++) {
        const j = this.rng.int(candidates.length);
        const [, peer] = candidates[j];
        candidates[j] = candidates[candidates.length - 1];
        candidates.pop();
        send(peer.socket, encodeWsOffer(m.infoHash, m.peerId, m.offers[i]));
      }
    }
  }

  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    this.swarms.clear();
    this.memberships.clear();
  }
}

function send(ws: WebSocket, text: string): void {
  if (ws.readyState === ws.OPEN) ws.send(text);
}
