/**
 * Seeded fuzz of the session's extension handlers: mutated and random ut_metadata / ut_pex
 * payloads reach the handlers the way a hostile peer would send them. The only error allowed out
 * is a TorrentkitError (the Wire turns it into a protocol violation and drops the peer); the
 * fetcher keeps working afterwards.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRng } from '../../adapters/testing/seeded-rng.js';
import { VirtualClock } from '../../adapters/testing/virtual-clock.js';
import { encodeMetadataMessage, encodePexMessage, METADATA_PIECE_SIZE } from '../../codecs/wire/index.js';
import { TorrentkitError } from '../../util/errors.js';
import { sha1 } from '../../util/sha.js';
import type { Wire } from '../wire/index.js';
import { MetadataFetcher } from './magnet/metadata-fetcher.js';
import { UtMetadataExtension } from './magnet/ut-metadata.js';
import type { PeerSession } from './peer.js';
import { UtPexExtension } from './pex.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261121);

function mutate(rng: SeededRng, base: Uint8Array): Uint8Array {
  const b = base.slice();
  const n = 1 + rng.int(4);
  for (let i = 0; i < n && b.length > 0; i++) {
    const at = rng.int(b.length);
    switch (rng.int(3)) {
      case 0:
        b[at] = rng.int(256);
        break;
      case 1:
        return b.subarray(0, at);
      default:
        return Uint8Array.from([...b.subarray(0, at), ...rng.bytes(1 + rng.int(8)), ...b.subarray(at)]);
    }
  }
  return b;
}

test(`ut_metadata and ut_pex handlers: hostile payloads only raise TorrentkitError (seed ${SEED})`, async () => {
  const rng = new SeededRng(SEED);
  const clock = new VirtualClock();
  const info = rng.bytes(2 * METADATA_PIECE_SIZE + 100);
  const fetcher = new MetadataFetcher({ clock, hash: async (d) => sha1(d) }, { infoHash: sha1(info) });
  const sent: Uint8Array[] = [];
  const fakeWire = { sendExtended: (_n: string, p: Uint8Array) => (sent.push(p), true), destroy: () => {} } as unknown as Wire;
  const meta = new UtMetadataExtension(fakeWire, 'fuzz', { fetcher, metadata: () => info, now: () => clock.now() });
  fetcher.addPeer(meta, info.length);
  const added: string[] = [];
  const self = { host: '127.0.0.9', port: 1, direction: 'outgoing', isSeed: false, wire: {} } as unknown as PeerSession;
  const pex = new UtPexExtension(fakeWire, self, { connectedPeers: new Set(), addPeer: (h, p) => added.push(`${h}:${p}`) }, { clock });
  const seeds = [
    encodeMetadataMessage({ type: 'request', piece: 1 }),
    encodeMetadataMessage({ type: 'reject', piece: 0 }),
    encodeMetadataMessage({ type: 'data', piece: 2, totalSize: info.length, data: info.subarray(2 * METADATA_PIECE_SIZE) }),
    encodePexMessage({ added: [{ host: '127.3.0.1', port: 6881, flags: 2 }, { host: '::1', port: 7, flags: 0 }], dropped: [{ host: '127.3.0.2', port: 9 }] }),
  ];
  let refused = 0;
  for (let i = 0; i < 4000; i++) {
    const payload = rng.int(5) === 0 ? rng.bytes(rng.int(64)) : mutate(rng, seeds[rng.int(seeds.length)]);
    for (const handler of [meta, pex]) {
      try {
        handler.onMessage(payload);
      } catch (err) {
        assert.ok(err instanceof TorrentkitError, `non-typed error: ${String(err)}`);
        refused++;
      }
    }
    if (i % 500 === 0) clock.advance(31_000);
  }
  assert.ok(refused > 0, 'some payloads were refused');
  assert.ok(added.length > 0, 'some PEX payloads were accepted');
  assert.ok(added.length <= 100 + 50 * 8 * 2, 'PEX intake stayed under its rate and size caps');
  // The fetcher still completes from an honest answer after all that.
  const got = new Promise<Uint8Array>((resolve) => fetcher.once('metadata', resolve));
  const honest = { key: 'honest', request: (p: number) => (queueMicrotask(() => fetcher.onData(honest, p, info.length, info.subarray(p * METADATA_PIECE_SIZE, (p + 1) * METADATA_PIECE_SIZE))), true), drop: () => {} };
  fetcher.addPeer(honest, info.length);
  // Pieces still held by the fuzzing peer move to the honest one as their requests time out.
  for (let i = 0; i < 30 && !fetcher.finished; i++) {
    clock.advance(1_000);
    await new Promise((r) => setImmediate(r));
  }
  assert.deepEqual(await got, info);
  fetcher.close();
});
