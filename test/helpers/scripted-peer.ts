/**
 * A scripted peer for fault tests, built on torrentkit's own Wire over real TCP: it accepts
 * connections for one info hash, announces have-all, unchokes, and answers each request as the
 * script says (real data, wrong data, silence, or vanishing mid-piece).
 */
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { systemClock } from '../../src/adapters/node/clock.js';
import { cryptoRng } from '../../src/adapters/node/rng.js';
import { tcpTransport } from '../../src/adapters/node/tcp.js';
import { type BlockRef, generatePeerId } from '../../src/codecs/wire/index.js';
import { Wire } from '../../src/engines/wire/index.js';
import { equalBytes } from '../../src/util/bytes.js';
import type { Content } from './swarm.js';

export type Answer = 'data' | 'corrupt' | 'ignore' | 'vanish';

export interface ScriptedPeer {
  port: number;
  /** Requests received, in order. */
  requests: BlockRef[];
  /** Blocks sent (good or corrupt). */
  served: number;
  /** Connections whose handshake we accepted. */
  connections: number;
  /** Drops every connection now, without a word (a peer that vanishes). */
  vanish(): void;
  close(): Promise<void>;
}

/** The torrent's bytes laid end to end (files in torrent order). */
export function wholeContent(content: Content): Uint8Array {
  const whole = new Uint8Array(content.meta.totalLength);
  for (const f of content.meta.files) {
    if (f.pad) continue;
    const data = content.files.get(f.path.slice(1).join('/'));
    if (!data) throw new Error(`no data for ${f.path.join('/')}`);
    whole.set(data, f.offset);
  }
  return whole;
}

export async function startScriptedPeer(
  t: TestContext,
  content: Content,
  host: string,
  answer: (block: BlockRef, index: number) => Answer,
): Promise<ScriptedPeer> {
  const whole = wholeContent(content);
  const wires = new Set<Wire>();
  const peer: ScriptedPeer = {
    port: 0,
    requests: [],
    served: 0,
    connections: 0,
    vanish: () => {
      for (const w of wires) w.destroy('local');
    },
    close: async () => {},
  };
  const listener = await tcpTransport.listen({ host, port: 0 }, (conn) => {
    const wire = new Wire(conn, { clock: systemClock }, {
      direction: 'incoming',
      peerId: generatePeerId(cryptoRng),
      acceptInfoHash: (h) => equalBytes(h, content.meta.id),
      pieceCount: content.meta.pieceCount,
    });
    wires.add(wire);
    wire.on('close', () => wires.delete(wire));
    wire.on('handshake', () => {
      peer.connections++;
      wire.haveAll();
      wire.unchoke();
    });
    wire.on('request', (b) => {
      const n = peer.requests.push(b) - 1;
      switch (answer(b, n)) {
        case 'data':
          peer.served++;
          wire.piece(b.index, b.begin, whole.slice(b.index * content.meta.pieceLength + b.begin, b.index * content.meta.pieceLength + b.begin + b.length));
          return;
        case 'corrupt':
          peer.served++;
          wire.piece(b.index, b.begin, new Uint8Array(randomBytes(b.length)));
          return;
        case 'vanish':
          // After the blocks already written have left (writes within a tick go out together).
          setTimeout(() => wire.destroy('local'), 100);
          return;
        case 'ignore':
          return;
      }
    });
    wire.start();
  });
  peer.port = listener.port;
  peer.close = async () => {
    for (const w of wires) w.destroy('local');
    await listener.close();
  };
  t.after(() => peer.close());
  return peer;
}
