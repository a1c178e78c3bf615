import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryPair } from '../../adapters/testing/memory-stream.js';
import { SeededRng } from '../../adapters/testing/seeded-rng.js';
import { VirtualClock } from '../../adapters/testing/virtual-clock.js';
import { decodePexMessage, encodePexMessage, UT_PEX } from '../../codecs/wire/index.js';
import type { PeerSource } from '../../policies/peer-list.js';
import type { InfoHash, PeerId } from '../../util/units.js';
import { Wire } from '../wire/index.js';
import type { PeerSession } from './peer.js';
import { PEX_MAX_ENTRIES, PEX_MAX_FIRST_ENTRIES, UtPexExtension } from './pex.js';

const tick = () => new Promise((r) => setImmediate(r));

function fakePeer(i: number, direction: 'outgoing' | 'incoming' = 'outgoing', listenPort?: number): PeerSession {
  return {
    host: `127.1.${i >> 8}.${i & 255}`,
    port: 10_000 + i,
    direction,
    isSeed: i % 2 === 0,
    wire: { remoteExtended: listenPort ? { p: listenPort } : undefined },
  } as unknown as PeerSession;
}

test('ut_pex: first message capped at 100, then diffs of at most 50 a minute; received peers capped and rate limited', async () => {
  const rng = new SeededRng(9);
  const clock = new VirtualClock();
  const [ca, cb] = createMemoryPair({ clock, link: { latencyMs: 5, bytesPerSecond: 10_000_000 } });
  const infoHash = rng.bytes(20) as InfoHash;
  const a = new Wire(ca, { clock }, { direction: 'outgoing', peerId: rng.bytes(20) as PeerId, infoHash });
  const b = new Wire(cb, { clock }, { direction: 'incoming', peerId: rng.bytes(20) as PeerId, acceptInfoHash: () => true });
  const connected = new Set<PeerSession>();
  for (let i = 1; i <= 130; i++) connected.add(fakePeer(i));
  // An incoming peer without a known listen port is not shared; one with `p` is, at that port.
  connected.add(fakePeer(200, 'incoming'));
  connected.add(fakePeer(201, 'incoming', 7777));
  const selfA = fakePeer(0);
  connected.add(selfA);
  const got: [string, number, PeerSource][] = [];
  const sender = a.use((w) => new UtPexExtension(w, selfA, { connectedPeers: connected, addPeer: () => {} }, { clock }));
  const messages: ReturnType<typeof decodePexMessage>[] = [];
  b.on('handshake', () =>
    b.use((w) => {
      const ext = new UtPexExtension(w, fakePeer(999), { connectedPeers: new Set(), addPeer: (h, p, s) => got.push([h, p, s]) }, { clock });
      const orig = ext.onMessage.bind(ext);
      ext.onMessage = (payload) => {
        messages.push(decodePexMessage(payload));
        orig(payload);
      };
      return ext;
    }),
  );
  a.start();
  b.start();
  for (let i = 0; i < 30; i++) {
    clock.advance(100);
    await tick();
  }
  assert.equal(messages.length, 1);
  assert.equal(messages[0].added.length, PEX_MAX_FIRST_ENTRIES);
  assert.equal(got.length, PEX_MAX_FIRST_ENTRIES);
  assert.ok(got.every(([, , s]) => s === 'pex'));
  assert.ok(!got.some(([h]) => h === selfA.host), 'the recipient is never sent itself');
  // Next minute: the rest (31 = 30 outgoing + the incoming one with p), nothing past 50.
  for (let i = 1; i <= 20; i++) connected.delete([...connected].find((p) => p.port === 10_000 + i)!);
  clock.advance(60_000);
  await tick();
  assert.equal(messages.length, 2);
  assert.equal(messages[1].added.length, 31);
  assert.ok(messages[1].added.some((p) => p.port === 7777 && p.host === '127.1.0.201'));
  assert.ok(!messages[1].added.some((p) => p.host === '127.1.0.200'));
  assert.equal(messages[1].dropped.length, 20);
  assert.ok(messages[1].added.length <= PEX_MAX_ENTRIES && messages[1].dropped.length <= PEX_MAX_ENTRIES);
  assert.equal(sender.sent, 2);
  // Nothing changed: no message at all.
  clock.advance(60_000);
  await tick();
  assert.equal(messages.length, 2);
  // A message right after another is ignored by the receiver.
  const before = got.length;
  b.extension<UtPexExtension>(UT_PEX)!.onMessage(encodePexMessage({ added: [{ host: '127.2.0.1', port: 1, flags: 0 }], dropped: [] }));
  assert.equal(got.length, before + 1, 'a minute later it is taken');
  b.extension<UtPexExtension>(UT_PEX)!.onMessage(encodePexMessage({ added: [{ host: '127.2.0.2', port: 2, flags: 0 }], dropped: [] }));
  assert.equal(got.length, before + 1, 'too soon: ignored');
  a.destroy('local');
  b.destroy('local');
});
