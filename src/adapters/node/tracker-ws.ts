/**
 * The tracker's WebSocket front end in the WebTorrent format (the `bittorrent-tracker` package's
 * protocol, see src/codecs/tracker/ws.ts): the `ws` sockets, message decoding and errors. Swarms
 * and the offer/answer relay live in src/engines/tracker-server/ws-relay.ts.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { TrackerError } from '../../codecs/tracker/errors.js';
import { decodeWsMessage, encodeWsFailure, WS_MAX_MESSAGE_BYTES } from '../../codecs/tracker/ws.js';
import type { TrackerCore } from '../../engines/tracker-server/core.js';
import { WsRelay } from '../../engines/tracker-server/ws-relay.js';
import type { Clock } from '../../ports/clock.js';
import type { Rng } from '../../ports/rng.js';

export class WsTracker {
  private readonly wss: WebSocketServer;
  private readonly relay: WsRelay<WebSocket>;

  constructor(
    private readonly core: TrackerCore,
    rng: Rng,
    clock: Clock,
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_MESSAGE_BYTES, perMessageDeflate: false, clientTracking: true });
    this.relay = new WsRelay({ core, clock, rng, send });
  }

  /** Hands an HTTP upgrade request to the WebSocket server. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws));
  }

  private attach(ws: WebSocket): void {
    this.relay.attach(ws);
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        this.core.reject('BT_ERR_TRACKER_WS_BAD_MESSAGE');
        return;
      }
      this.onMessage(ws, data.toString());
    });
    ws.on('error', () => this.core.reject('BT_ERR_TRACKER_WS_SOCKET'));
    ws.on('close', () => this.relay.detach(ws));
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
    if (m.action === 'scrape') this.relay.scrape(ws, m.infoHashes);
    else this.relay.announce(ws, m);
  }

  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    this.relay.clear();
  }
}

function send(ws: WebSocket, text: string): void {
  if (ws.readyState === ws.OPEN) ws.send(text);
}
