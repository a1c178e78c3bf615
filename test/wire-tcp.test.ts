/**
 * Two Wires over real TCP sockets on loopback (IPv4 and IPv6): handshake, then a leecher pulls
 * 8 MiB of blocks from a seeder that respects write backpressure; the bytes must arrive intact.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { systemClock } from '../src/adapters/node/clock.js';
import { tcpTransport } from '../src/adapters/node/tcp.js';
import { cryptoRng } from '../src/adapters/node/rng.js';
import { BLOCK_SIZE, generatePeerId } from '../src/codecs/wire/index.js';
import type { BlockRef } from '../src/codecs/wire/index.js';
import type { StreamConnection } from '../src/ports/transport.js';
import { Wire } from '../src/engines/wire/index.js';
import type { InfoHash } from '../src/util/units.js';

const PIECE_LENGTH = 256 * 1024;
const PIECES = 32;

for (const host of ['127.0.0.1', '::1']) {
  test(`wire over tcp (${host}): handshake and 8 MiB of blocks with backpressure`, { timeout: 60_000 }, async () => {
    const data = cryptoRng.bytes(PIECE_LENGTH * PIECES);
    const infoHash = cryptoRng.bytes(20) as InfoHash;
    let serverWire!: Wire;
    let drains = 0;
    let onServerBlocked = (): void => {};
    let resolveAccepted!: () => void;
    const accepted = new Promise<void>((r) => (resolveAccepted = r));
    const l = await tcpTransport.listen({ host, port: 0 }, (conn: StreamConnection) => {
      serverWire = new Wire(conn, { clock: systemClock }, {
        direction: 'incoming',
        peerId: generatePeerId(cryptoRng),
        acceptInfoHash: (ih) => Buffer.from(ih).equals(Buffer.from(infoHash)),
        pieceCount: PIECES,
      });
      // The seeder: answer requests in order, waiting for drain when the socket is full.
      const queue: BlockRef[] = [];
      const pump = () => {
        if (!serverWire.writable) onServerBlocked();
        while (queue.length && serverWire.writable) {
          const r = queue.shift()!;
          const start = r.index * PIECE_LENGTH + r.begin;
          serverWire.piece(r.index, r.begin, data.subarray(start, start + r.length));
        }
        if (!serverWire.writable) onServerBlocked();
      };
      serverWire.on('handshake', () => serverWire.haveAll());
      serverWire.on('interested', () => serverWire.unchoke());
      serverWire.on('request', (r) => {
        queue.push(r);
        pump();
      });
      serverWire.on('drain', () => {
        drains++;
        pump();
      });
      serverWire.start();
      resolveAccepted();
    });
    try {
      const conn = await tcpTransport.connect({ host, port: l.port, timeoutMs: 5000 });
      const client = new Wire(conn, { clock: systemClock }, { direction: 'outgoing', peerId: generatePeerId(cryptoRng), infoHash, pieceCount: PIECES });
      const received = new Uint8Array(data.length);
      let got = 0;
      let next = 0;
      const totalBlocks = data.length / BLOCK_SIZE;
      const fill = () => {
        while (next < totalBlocks && client.outstandingRequests < 400) {
          const off = next * BLOCK_SIZE;
          client.request(Math.floor(off / PIECE_LENGTH), off % PIECE_LENGTH, BLOCK_SIZE);
          next++;
        }
      };
      const done = new Promise<void>((resolve, reject) => {
        client.on('close', (c) => reject(new Error(`closed: ${c.reason} ${c.error?.message ?? ''}`)));
        client.on('piece', (p) => {
          received.set(p.block, p.index * PIECE_LENGTH + p.begin);
          got += p.block.length;
          if (got === data.length) resolve();
          else fill();
        });
      });
      client.on('haveAll', () => client.interested());
      // The leecher stops reading until the seeder's socket is full, so backpressure must engage.
      client.on('unchoke', () => {
        client.pause();
        fill();
      });
      onServerBlocked = () => client.resume();
      client.start();
      await accepted;
      await done;
      assert.equal(createHash('sha1').update(received).digest('hex'), createHash('sha1').update(data).digest('hex'));
      assert.equal(client.stats.payloadReceived, data.length);
      assert.equal(serverWire.stats.payloadSent, data.length);
      assert.equal(client.remoteExtended?.v, 'torrentkit 0.1.0');
      assert.ok(drains > 0, 'the seeder waited for drain at least once');
      const closed = serverWire.next('close');
      client.close();
      const [c] = await closed;
      assert.equal(c.reason, 'remote');
    } finally {
      await l.close();
    }
  });
}
