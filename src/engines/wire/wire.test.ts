/**
 * Wire over the in-memory pair on a virtual clock: no network, no sleeps, deterministic.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryPair, type MemoryConnection } from '../../adapters/testing/memory-stream.js';
import { VirtualClock } from '../../adapters/testing/virtual-clock.js';
import { encode } from '../../codecs/bencode/index.js';
import {
  type BlockRef,
  encodeBitfield,
  encodeExtended,
  encodeHandshake,
  encodeHave,
  encodeMessage,
  encodePiece,
  encodeRequest,
  type Handshake,
  HAVE_ALL,
  HAVE_NONE,
  type ReservedFlags,
  WireDecoder,
  type WireMessage,
} from '../../codecs/wire/index.js';
import { concatBytes, utf8Encode } from '../../util/bytes.js';
import { TorrentkitError } from '../../util/errors.js';
import type { InfoHash, PeerId } from '../../util/units.js';
import type { WireClose } from './events.js';
import type { WireExtension } from './extensions.js';
import type { WireOptions } from './options.js';
import { Wire } from './wire.js';

const IH = new Uint8Array(20).fill(7) as InfoHash;
const ID_A = utf8Encode('-TK0100-aaaaaaaaaaaa') as PeerId;
const ID_B = utf8Encode('-TK0100-bbbbbbbbbbbb') as PeerId;

function setup(o: { a?: Partial<WireOptions>; b?: Partial<WireOptions>; highWaterMark?: number } = {}) {
  const clock = new VirtualClock();
  const [ca, cb] = createMemoryPair({ clock, highWaterMark: o.highWaterMark });
  const a = new Wire(ca, { clock }, { direction: 'outgoing', peerId: ID_A, infoHash: IH, pieceCount: 20, ...o.a });
  const b = new Wire(cb, { clock }, { direction: 'incoming', peerId: ID_B, acceptInfoHash: (ih) => ih.every((x) => x === 7), pieceCount: 20, ...o.b });
  const closes = { a: [] as WireClose[], b: [] as WireClose[] };
  a.on('close', (c) => closes.a.push(c));
  b.on('close', (c) => closes.b.push(c));
  return { clock, a, b, ca, cb, closes, run: () => clock.advance(0) };
}

/** A wire facing a scripted peer: raw bytes in, decoded messages out. */
function scripted(o: { flags?: Partial<ReservedFlags>; wire?: Partial<WireOptions> } = {}) {
  const clock = new VirtualClock();
  const [ours, theirs] = createMemoryPair({ clock });
  const wire = new Wire(ours, { clock }, { direction: 'outgoing', peerId: ID_A, infoHash: IH, pieceCount: 20, ...o.wire });
  const got: WireMessage[] = [];
  const handshakes: Handshake[] = [];
  const dec = new WireDecoder({ handshake: (h) => handshakes.push(h), message: (m) => got.push(m) });
  theirs.onData((d) => dec.push(d));
  const closes: WireClose[] = [];
  wire.on('close', (c) => closes.push(c));
  wire.start();
  theirs.write(encodeHandshake(IH, ID_B, o.flags ?? { fast: true, extended: true }));
  clock.advance(0);
  return { clock, wire, theirs: theirs as MemoryConnection, got, handshakes, closes, send: (b: Uint8Array) => (theirs.write(b), clock.advance(0)) };
}

test('handshake: outgoing and incoming, flags, BEP 10 handshakes both ways', () => {
  const { a, b, run } = setup({ a: { listenPort: 6881 } });
  const seen: string[] = [];
  a.on('handshake', (h) => seen.push(`a:hs:${new TextDecoder().decode(h.peerId.subarray(0, 8))}`));
  b.on('handshake', () => seen.push('b:hs'));
  a.on('extendedHandshake', (h) => seen.push(`a:ext:${h.v}:${h.reqq}`));
  b.on('extendedHandshake', (h) => seen.push(`b:ext:p=${h.p}:yourip=${h.yourip?.join('.')}`));
  a.start();
  b.start();
  run();
  assert.deepEqual(seen.sort(), ['a:ext:torrentkit 0.1.0:500', 'a:hs:-TK0100-', 'b:ext:p=6881:yourip=127.0.0.2', 'b:hs']);
  assert.equal(a.fastExtension, true);
  assert.equal(b.extensionProtocol, true);
  assert.deepEqual(b.remote?.peerId, ID_A);
  assert.equal(a.peerRequestQueueLimit, 500);
  assert.equal(a.amChoking && a.peerChoking && !a.amInterested && !a.peerInterested, true);
});

test('handshake: unknown info hash closes the incoming wire; outgoing sees the peer leave', () => {
  const { a, b, run, closes } = setup({ b: { acceptInfoHash: () => false } });
  a.start();
  b.start();
  run();
  assert.deepEqual(closes.b.map((c) => c.reason), ['infohash_mismatch']);
  assert.equal(closes.a.length, 1);
  assert.ok(['remote', 'transport_error'].includes(closes.a[0].reason));
});

test('handshake: wrong info hash from the remote of an outgoing wire', () => {
  const clock = new VirtualClock();
  const [ours, theirs] = createMemoryPair({ clock });
  const wire = new Wire(ours, { clock }, { direction: 'outgoing', peerId: ID_A, infoHash: IH });
  const closes: WireClose[] = [];
  wire.on('close', (c) => closes.push(c));
  wire.start();
  theirs.write(encodeHandshake(new Uint8Array(20), ID_B, {}));
  clock.advance(0);
  assert.deepEqual(closes.map((c) => c.reason), ['infohash_mismatch']);
});

test('every message travels and updates state (fast extension on)', () => {
  const { a, b, run } = setup({ a: { flags: { fast: true, extended: true, dht: true } }, b: { flags: { fast: true, extended: true, dht: true } } });
  const log: string[] = [];
  for (const ev of ['keepAlive', 'unchoke', 'interested', 'notInterested', 'haveNone'] as const) b.on(ev, () => log.push(ev));
  a.on('haveAll', () => log.push('haveAll'));
  b.on('have', (i) => log.push(`have ${i}`));
  b.on('bitfield', (bf) => log.push(`bitfield ${[...bf]}`));
  b.on('request', (r) => log.push(`request ${r.index}/${r.begin}/${r.length}`));
  b.on('cancel', (r) => log.push(`cancel ${r.index}/${r.begin}`));
  b.on('port', (p) => log.push(`port ${p}`));
  a.on('piece', (p) => log.push(`piece ${p.index}/${p.begin}/${p.block.length}/${p.requested}`));
  a.on('reject', (r) => log.push(`reject ${r.index}/${r.begin}`));
  a.on('suggest', (i) => log.push(`suggest ${i}`));
  a.on('allowedFast', (i) => log.push(`allowedFast ${i}`));
  a.on('unchoke', () => log.push('a:unchoke'));
  a.on('choke', (d) => log.push(`a:choke ${d.length}`));
  a.on('handshake', () => a.bitfield(Uint8Array.of(0xff, 0x00, 0xf0)));
  b.on('handshake', () => b.haveAll());
  a.start();
  b.start();
  run();
  a.interested();
  a.interested(); // no state change, nothing sent
  b.unchoke();
  b.suggest(3);
  b.allowFast(4);
  run();
  assert.equal(a.peerChoking, false);
  assert.equal(b.peerInterested, true);
  assert.equal(a.request(1, 0, 16384), true);
  assert.equal(a.request(1, 16384, 16384), true);
  assert.equal(a.outstandingRequests, 2);
  run();
  assert.equal(b.pendingIncomingRequests, 2);
  const block = new Uint8Array(16384).fill(9);
  let written = 0;
  assert.equal(b.piece(1, 0, block, () => written++), true);
  assert.equal(b.piece(1, 0, block, () => written++), false, 'not pending any more');
  assert.equal(written, 0, 'the block is still on its way');
  assert.equal(a.cancel(1, 16384, 16384), true);
  run();
  assert.equal(written, 1, 'the transport let go of the block it sent, and only of that one');
  assert.equal(b.reject(1, 16384, 16384), true, 'with BEP 6 a cancelled request still gets an answer');
  a.have(5);
  a.port(6881);
  a.notInterested();
  b.choke();
  run();
  assert.equal(a.outstandingRequests, 0);
  assert.equal(a.peerAllowedFast.has(4), true);
  assert.deepEqual(log, [
    'haveAll',
    'bitfield 255,0,240',
    'interested',
    'a:unchoke',
    'suggest 3',
    'allowedFast 4',
    'request 1/0/16384',
    'request 1/16384/16384',
    'piece 1/0/16384/true',
    'cancel 1/16384',
    'reject 1/16384',
    'have 5',
    'port 6881',
    'notInterested',
    'a:choke 0',
  ]);
  assert.equal(a.stats.payloadReceived, 16384);
  assert.equal(b.stats.payloadSent, 16384);
  assert.equal(a.stats.bytesReceived, b.stats.bytesSent);
  assert.equal(b.stats.bytesReceived, a.stats.bytesSent);
});

test('requests: while choked only allowed-fast pieces pass; the rest are rejected (BEP 6)', () => {
  const s = scripted();
  const requests: BlockRef[] = [];
  s.wire.on('request', (r) => requests.push(r));
  s.wire.allowFast(2);
  s.send(concatBytes([encodeRequest(1, 0, 16384), encodeRequest(2, 0, 16384)]));
  assert.deepEqual(requests, [{ index: 2, begin: 0, length: 16384 }]);
  const rejects = s.got.filter((m) => m.type === 'reject');
  assert.deepEqual(rejects, [{ type: 'reject', index: 1, begin: 0, length: 16384 }]);
  // choking again rejects pending requests except allowed-fast ones
  s.wire.unchoke();
  s.send(encodeRequest(3, 0, 100));
  s.wire.choke();
  s.clock.advance(0);
  assert.deepEqual(s.got.filter((m) => m.type === 'reject').map((m) => (m as BlockRef).index), [1, 3]);
  assert.equal(s.wire.pendingIncomingRequests, 1);
  assert.equal(s.wire.piece(2, 0, new Uint8Array(16384)), true);
});

test('requests: more than our reqq are rejected (fast) or dropped (no fast)', () => {
  for (const fast of [true, false]) {
    const s = scripted({ flags: { fast, extended: true }, wire: { maxIncomingRequests: 3 } });
    const requests: BlockRef[] = [];
    s.wire.on('request', (r) => requests.push(r));
    s.wire.unchoke();
    s.send(concatBytes([0, 1, 2, 3, 4].map((i) => encodeRequest(i, 0, 16384))));
    assert.equal(requests.length, 3);
    assert.equal(s.got.filter((m) => m.type === 'reject').length, fast ? 2 : 0);
    assert.equal(s.closes.length, 0);
  }
});

test('without the fast extension: choke drops our requests, late pieces are flagged unrequested', () => {
  const s = scripted({ flags: { extended: true } });
  assert.equal(s.wire.fastExtension, false);
  const pieces: boolean[] = [];
  const chokes: BlockRef[][] = [];
  s.wire.on('piece', (p) => pieces.push(p.requested));
  s.wire.on('choke', (d) => chokes.push(d));
  assert.equal(s.wire.request(0, 0, 100), false, 'the peer chokes us');
  s.send(encodeMessage({ type: 'unchoke' }));
  assert.equal(s.wire.request(0, 0, 100), true);
  s.send(encodeMessage({ type: 'choke' }));
  assert.deepEqual(chokes, [[{ index: 0, begin: 0, length: 100 }]]);
  s.send(encodePiece(0, 0, new Uint8Array(100)));
  assert.deepEqual(pieces, [false]);
  assert.equal(s.wire.haveNone(), true);
  assert.equal(s.wire.suggest(1), false);
  assert.equal(s.closes.length, 0);
  // have all without BEP 6 becomes a full bitfield
  s.wire.haveAll();
  s.clock.advance(0);
  const bf = s.got.find((m) => m.type === 'bitfield');
  assert.deepEqual(bf, { type: 'bitfield', bytes: Uint8Array.of(0xff, 0xff, 0xf0) });
});

test('a later bitfield or have all updates the peer\'s pieces (aria2 sends one in place of many haves)', () => {
  const s = scripted({});
  const seen: string[] = [];
  s.wire.on('bitfield', () => seen.push('bitfield'));
  s.wire.on('haveAll', () => seen.push('haveAll'));
  s.send(concatBytes([HAVE_NONE, encodeHave(1), encodeBitfield(Uint8Array.of(0xf0, 0, 0)), HAVE_ALL]));
  s.clock.advance(0);
  assert.deepEqual(seen, ['bitfield', 'haveAll']);
  assert.equal(s.closes.length, 0);
});

function violation(send: Uint8Array | ((s: ReturnType<typeof scripted>) => void), flags?: Partial<ReservedFlags>, wire?: Partial<WireOptions>): string | undefined {
  const s = scripted({ flags, wire });
  if (send instanceof Uint8Array) s.send(send);
  else send(s);
  s.clock.advance(0);
  assert.ok(s.closes.length <= 1);
  if (s.closes.length === 0) return undefined;
  assert.equal(s.closes[0].reason, 'protocol_violation');
  assert.equal(s.wire.closed, true);
  assert.equal(s.theirs.isClosed, true, 'the connection is torn down');
  return (s.closes[0].error as TorrentkitError).code;
}

test('protocol violations close the wire with a typed reason', () => {
  assert.equal(violation(HAVE_ALL, { extended: true }), 'BT_ERR_WIRE_FAST_NOT_NEGOTIATED');
  assert.equal(violation(encodeExtended(0, encode({ m: {} })), { fast: true }), 'BT_ERR_WIRE_EXTENSION_NOT_NEGOTIATED');
  assert.equal(violation(concatBytes([HAVE_ALL, HAVE_NONE])), 'BT_ERR_WIRE_DUPLICATE_BITFIELD');
  assert.equal(violation(encodePiece(0, 0, new Uint8Array(10))), 'BT_ERR_WIRE_UNREQUESTED_PIECE');
  assert.equal(violation(encodeRequest(0, 0, 32768)), 'BT_ERR_WIRE_BLOCK_TOO_LARGE');
  assert.equal(violation(encodeBitfield(Uint8Array.of(0, 0, 0x01))), 'BT_ERR_WIRE_BAD_BITFIELD');
  assert.equal(violation(encodeHave(20)), 'BT_ERR_WIRE_BAD_PIECE_INDEX');
  assert.equal(violation(Uint8Array.of(0x7f, 0, 0, 0)), 'BT_ERR_WIRE_MESSAGE_TOO_LARGE');
  assert.equal(violation(encodeExtended(0, utf8Encode('d1:mi3ee'))), 'BT_ERR_WIRE_BAD_EXTENSION');
  // a bitfield that arrived before the piece count was known is checked when it becomes known
  assert.equal(
    violation((s) => {
      s.send(encodeBitfield(Uint8Array.of(0xff, 0xff, 0xff)));
      s.wire.setPieceCount(20);
    }, undefined, { pieceCount: undefined }),
    'BT_ERR_WIRE_BAD_BITFIELD',
  );
  // and nothing closes for good traffic
  assert.equal(violation(concatBytes([encodeBitfield(Uint8Array.of(0, 0, 0x10)), encodeHave(3)])), undefined);
});

test('timeouts on the virtual clock: handshake, keep-alives, idle', () => {
  // No handshake from the peer.
  const clock = new VirtualClock();
  const [ours] = createMemoryPair({ clock });
  const w = new Wire(ours, { clock }, { direction: 'incoming', peerId: ID_B, acceptInfoHash: () => true });
  const closes: WireClose[] = [];
  w.on('close', (c) => closes.push(c));
  w.start();
  clock.advance(14_999);
  assert.equal(closes.length, 0);
  clock.advance(1);
  assert.deepEqual(closes.map((c) => c.reason), ['handshake_timeout']);

  // A peer that handshakes, then goes silent: we send keep-alives every 2 min, and give up after 5 min.
  const s = scripted();
  const keepAlives = () => s.got.filter((m) => m.type === 'keepAlive').length;
  s.clock.advance(119_000);
  assert.equal(keepAlives(), 0);
  s.clock.advance(6_000);
  assert.equal(keepAlives(), 1);
  s.clock.advance(120_000);
  assert.equal(keepAlives(), 2);
  assert.equal(s.closes.length, 0);
  s.send(encodeMessage({ type: 'keepAlive' })); // the peer's keep-alive resets the idle timer
  s.clock.advance(299_000);
  assert.equal(s.closes.length, 0);
  s.clock.advance(6_000);
  assert.deepEqual(s.closes.map((c) => c.reason), ['idle_timeout']);
});

test('write backpressure: writable goes false, drain fires after the reader resumes', () => {
  const { a, b, run } = setup({ highWaterMark: 64 * 1024 });
  a.start();
  b.start();
  run();
  a.unchoke();
  const reqs: BlockRef[] = [];
  a.on('request', (r) => reqs.push(r));
  b.unchoke();
  b.interested();
  run();
  for (let i = 0; i < 10; i++) b.request(i, 0, 16384);
  run();
  assert.equal(reqs.length, 10);
  b.pause();
  let sent = 0;
  for (const r of reqs) {
    if (!a.writable) break;
    a.piece(r.index, r.begin, new Uint8Array(r.length));
    sent++;
  }
  assert.equal(a.writable, false);
  assert.ok(sent < 10);
  let drained = 0;
  a.on('drain', () => drained++);
  run();
  assert.equal(drained, 0, 'no drain while the reader is paused');
  b.resume();
  run();
  assert.equal(drained, 1);
  assert.equal(a.writable, true);
});

test('extensions: typed registry, ids from the peer, messages routed, errors are violations', () => {
  const { a, b, run, closes } = setup();
  class Echo implements WireExtension {
    readonly name = 'tk_echo';
    readonly received: string[] = [];
    supported: boolean | undefined;
    constructor(private readonly wire: Wire) {}
    handshakeFields() {
      return { tk_echo_version: 1 };
    }
    onExtendedHandshake(_h: unknown, supported: boolean) {
      this.supported = supported;
    }
    onMessage(payload: Uint8Array) {
      const text = new TextDecoder().decode(payload);
      if (text === 'bad') throw new TorrentkitError('BT_ERR_TEST_BAD', 'bad echo');
      this.received.push(text);
    }
    say(text: string) {
      return this.wire.sendExtended(this.name, utf8Encode(text));
    }
  }
  class Other implements WireExtension {
    readonly name = 'tk_other';
    onMessage() {}
  }
  const other = a.use(() => new Other());
  const echoA = a.use((w) => new Echo(w));
  let echoB: Echo | undefined;
  b.on('handshake', () => {
    echoB = b.use((w) => new Echo(w));
  });
  let remoteM: Record<string, number> = {};
  b.on('extendedHandshake', (h) => {
    remoteM = h.m;
    assert.equal(h.raw.tk_echo_version, 1);
  });
  a.start();
  b.start();
  run();
  assert.deepEqual(remoteM, { tk_other: 1, tk_echo: 2 });
  assert.equal(echoA.supported, true);
  assert.equal(echoB?.supported, true);
  assert.equal(a.peerSupports('tk_other'), false);
  assert.equal(a.sendExtended(other.name, Uint8Array.of(1)), false);
  assert.equal(a.extension<Echo>('tk_echo'), echoA);
  echoA.say('hello');
  echoB!.say('hi');
  run();
  assert.deepEqual(echoB!.received, ['hello']);
  assert.deepEqual(echoA.received, ['hi']);
  echoA.say('bad');
  run();
  assert.equal(closes.b[0]?.reason, 'protocol_violation');
  assert.equal((closes.b[0].error as TorrentkitError).code, 'BT_ERR_TEST_BAD');
});

test('an extension registered after the handshake re-sends ours (BEP 10 update)', () => {
  const { a, b, run } = setup();
  const updates: Array<Record<string, number>> = [];
  b.on('extendedHandshake', (h) => updates.push(h.m));
  a.start();
  b.start();
  run();
  a.use(() => ({ name: 'late_ext', onMessage() {} }));
  run();
  assert.deepEqual(updates, [{}, { late_ext: 1 }]);
});

test('close: local close flushes and both sides report once', () => {
  const { a, b, run, closes } = setup();
  a.start();
  b.start();
  run();
  a.have(1);
  a.close();
  a.close();
  run();
  assert.deepEqual(closes.a.map((c) => c.reason), ['local']);
  assert.deepEqual(closes.b.map((c) => c.reason), ['remote']);
  assert.equal(a.have(2), false);
});

test('shaped link on the virtual clock: 1 MiB over 1 MB/s with 50 ms latency takes its serialisation time', () => {
  const clock = new VirtualClock();
  const [ca, cb] = createMemoryPair({ clock, link: { latencyMs: 50, bytesPerSecond: 1_000_000 } });
  const leecher = new Wire(ca, { clock }, { direction: 'outgoing', peerId: ID_A, infoHash: IH, pieceCount: 4 });
  const seeder = new Wire(cb, { clock }, { direction: 'incoming', peerId: ID_B, acceptInfoHash: () => true, pieceCount: 4 });
  seeder.on('handshake', () => seeder.haveAll());
  seeder.on('interested', () => seeder.unchoke());
  seeder.on('request', (r) => seeder.piece(r.index, r.begin, new Uint8Array(r.length)));
  let next = 0;
  let got = 0;
  let doneAt = -1;
  const fill = () => {
    while (next < 64 && leecher.outstandingRequests < 16) {
      leecher.request(next >> 4, (next & 15) * 16384, 16384);
      next++;
    }
  };
  leecher.on('haveAll', () => leecher.interested());
  leecher.on('unchoke', fill);
  leecher.on('piece', (p) => {
    got += p.block.length;
    if (got === 1 << 20) doneAt = clock.now();
    fill();
  });
  leecher.start();
  seeder.start();
  clock.advance(10_000);
  // 1 MiB at 1 MB/s is 1.049 s of serialisation, plus a few 50 ms one-way trips for the
  // handshakes, interest and the first requests.
  assert.ok(doneAt > 1_049 && doneAt < 1_400, `done at ${doneAt} ms`);
  assert.equal(leecher.stats.payloadReceived, 1 << 20);
});
