import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock } from '../../adapters/testing/virtual-clock.js';
import { isTorrentkitError } from '../../util/errors.js';
import { StreamHub } from './hub.js';
import type { PieceSource } from './types.js';

const PL = 100;

/** An in-memory torrent: `deliver(i)` verifies piece i; deadline calls are recorded. */
function fakeSource(total: number) {
  const clock = new VirtualClock();
  const data = new Uint8Array(total).map((_, i) => i % 251);
  const have = new Set<number>();
  const pieceFns = new Set<(p: number) => void>();
  const closeFns = new Set<(e: Error) => void>();
  const deadlines = new Map<number, number>();
  const log: string[] = [];
  const source: PieceSource = {
    pieceLength: PL,
    totalLength: total,
    clock,
    has: (p) => have.has(p),
    readPiece: async (p) => data.slice(p * PL, Math.min(total, (p + 1) * PL)),
    onPiece: (fn) => (pieceFns.add(fn), () => pieceFns.delete(fn)),
    onClose: (fn) => (closeFns.add(fn), () => closeFns.delete(fn)),
    setDeadline: (p, d) => {
      deadlines.set(p, d);
      log.push(`set ${p}`);
    },
    dropDeadline: (p) => {
      deadlines.delete(p);
      log.push(`drop ${p}`);
    },
    commit: (jumped) => log.push(jumped ? 'commit jump' : 'commit'),
  };
  return {
    clock,
    data,
    source,
    deadlines,
    log,
    hub: new StreamHub(source),
    deliver(...pieces: number[]) {
      for (const p of pieces) {
        have.add(p);
        deadlines.delete(p);
        for (const fn of pieceFns) fn(p);
      }
    },
    close(err: Error) {
      for (const fn of closeFns) fn(err);
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

test('a reader returns at once, prioritises its window and yields bytes as pieces verify', async () => {
  const f = fakeSource(1000);
  // File at offset 150, 600 bytes: pieces 1..7; readahead 250 bytes (150..399) -> pieces 1..3 critical.
  const reader = f.hub.createReader({ offset: 150, length: 600 }, { readahead: 250, deadlineStepMs: 10 });
  assert.deepEqual([...f.deadlines.keys()], [1, 2, 3]);
  const t0 = f.clock.now();
  assert.deepEqual([...f.deadlines.values()], [t0, t0 + 10, t0 + 20], 'nearest piece first');
  assert.deepEqual(f.log.at(-1), 'commit jump', 'a new reader is a jump');
  let got: Uint8Array | null | undefined;
  void reader.read().then((c) => (got = c));
  await tick();
  assert.equal(got, undefined, 'waits for piece 1');
  f.deliver(1);
  await tick();
  assert.deepEqual(got, f.data.slice(150, 200), 'rest of piece 1');
  assert.equal(reader.position, 50);
  // Window moved to bytes 200..449 of the torrent: pieces 2..4.
  assert.deepEqual([...f.deadlines.keys()].sort(), [2, 3, 4]);
  f.deliver(2, 3, 4, 5, 6, 7);
  const chunks: Uint8Array[] = [];
  for await (const c of reader) chunks.push(c);
  assert.deepEqual(Buffer.concat(chunks), Buffer.from(f.data.slice(200, 750)));
  assert.equal(reader.closed, true);
  assert.equal(f.hub.heads.size, 0);
});

test('a seek drops the old window, cancels its requests once, and a pending read serves the new position', async () => {
  const f = fakeSource(2000);
  const reader = f.hub.createReader({ offset: 0, length: 2000 }, { readahead: 300 });
  assert.deepEqual([...f.deadlines.keys()], [0, 1, 2]);
  const pending = reader.read();
  f.log.length = 0;
  reader.seek(1250);
  assert.deepEqual(f.log.filter((l) => l.startsWith('drop')).sort(), ['drop 0', 'drop 1', 'drop 2']);
  assert.deepEqual([...f.deadlines.keys()], [12, 13, 14, 15]);
  assert.ok(f.log.includes('commit jump'));
  f.deliver(12);
  assert.deepEqual(await pending, f.data.slice(1250, 1300));
  // Reading on within the window sets nothing again and drops nothing.
  f.log.length = 0;
  f.deliver(13);
  await reader.read();
  assert.deepEqual(f.log.filter((l) => l.startsWith('drop')), [], 'no piece dropped by reading forward');
  assert.ok(f.log.includes('set 16') && f.log.at(-1) === 'commit', 'the window grows at its front, deadlines move closer');
  reader.close();
});

test('several readers each keep a window; the union takes the earliest deadline', () => {
  const f = fakeSource(2000);
  const a = f.hub.createReader({ offset: 0, length: 2000 }, { readahead: 200, deadlineStepMs: 100 });
  f.clock.advance(1000);
  const b = f.hub.createReader({ offset: 0, length: 2000 }, { start: 100, readahead: 200, deadlineStepMs: 100 });
  // a: 0 @t, 1 @t+100; b: 1 @t+1000, 2 @t+1100. Union keeps 1 @t+100.
  const t = f.clock.now() - 1000;
  assert.deepEqual([...f.deadlines.entries()].sort((x, y) => x[0] - y[0]), [
    [0, t],
    [1, t + 100],
    [2, t + 1100],
  ]);
  f.log.length = 0;
  a.close();
  assert.deepEqual(f.log.filter((l) => l.startsWith('drop')), ['drop 0'], 'piece 1 stays: b needs it');
  assert.equal(f.deadlines.get(1), t + 1000);
  b.close();
  assert.equal(f.deadlines.size, 0);
});

test('errors: bad ranges, closed readers, aborts and a stopped torrent have codes', async () => {
  const f = fakeSource(1000);
  assert.throws(() => f.hub.createReader({ offset: 0, length: 100 }, { start: 101 }), (e) => isTorrentkitError(e, 'BT_ERR_READ_RANGE'));
  const r = f.hub.createReader({ offset: 0, length: 1000 });
  assert.throws(() => r.seek(1001), (e) => isTorrentkitError(e, 'BT_ERR_READ_RANGE'));
  const pending = r.read();
  r.close();
  await assert.rejects(pending, (e) => isTorrentkitError(e, 'BT_ERR_READER_CLOSED'));
  const ac = new AbortController();
  const r2 = f.hub.createReader({ offset: 0, length: 1000 }, { signal: ac.signal });
  const p2 = r2.read();
  ac.abort();
  await assert.rejects(p2, (e) => isTorrentkitError(e, 'BT_ERR_ABORTED'));
  const r3 = f.hub.createReader({ offset: 0, length: 1000 });
  const p3 = r3.read();
  f.close(new Error('disk full'));
  await assert.rejects(p3, (e) => isTorrentkitError(e, 'BT_ERR_TORRENT_CLOSED'));
});

test('bufferedAhead counts verified bytes from the position', async () => {
  const f = fakeSource(1000);
  const r = f.hub.createReader({ offset: 50, length: 900 });
  assert.equal(r.bufferedAhead(), 0);
  f.deliver(0, 1, 2, 4);
  assert.equal(r.bufferedAhead(), 250, 'pieces 0..2 hold bytes 50..300 of the torrent');
  await r.read(10);
  assert.equal(r.bufferedAhead(), 240);
  r.close();
});
