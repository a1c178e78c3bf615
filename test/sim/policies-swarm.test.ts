/**
 * Deterministic swarms that drive the piece picker, request scheduler and choker together
 * (policies-swarm-model.ts): rarest first spreads pieces, endgame finishes the last blocks and
 * cancels the duplicates, tit-for-tat starves a free rider, the optimistic unchoke rotates, and a
 * deadline window is served first, and a peer sending corrupt data is found and banned. Every run is seeded; a failure names its seed to replay it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BLOCK, type NodeSpec, pipelineMismatches, Swarm } from './policies-swarm-model.js';

const KiB = 1024;

function withSeed<T>(seed: number, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    console.error(`policies swarm failed with seed ${seed}`);
    if (e instanceof Error) e.message = `[seed ${seed}] ${e.message}`;
    throw e;
  }
}

/** One seed (64 KiB/s) and six leechers; returns the pieces no leecher has once the seed has uploaded one copy. */
function spread(seed: number, sequential: boolean) {
  const nodes: NodeSpec[] = [
    { id: 'seed', uploadRate: 64 * KiB, seed: true },
    ...Array.from({ length: 6 }, (_, i) => ({ id: `l${i}`, uploadRate: 64 * KiB, sequential })),
  ];
  const pieces = 48;
  const s = new Swarm({ seed, pieces, nodes });
  const origin = s.node('seed');
  s.run(() => origin.stats.uploaded >= pieces * 4 * BLOCK, 600_000);
  assert.deepEqual(s.nodes.flatMap(pipelineMismatches), []);
  const onlyAtSeed = s.piecesOnlyAtSeeds();
  const allDone = s.run(() => s.nodes.every((n) => n.doneAt !== undefined), 1_200_000);
  return { onlyAtSeed, allDone };
}

test('rarest first leaves fewer pieces only at the seed than sequential picking, and the swarm finishes sooner', () => {
  for (const seed of [1, 2, 3]) {
    withSeed(seed, () => {
      const rarest = spread(seed, false);
      const sequential = spread(seed, true);
      assert.ok(rarest.onlyAtSeed * 2 <= sequential.onlyAtSeed, `only at the seed: rarest ${rarest.onlyAtSeed}, sequential ${sequential.onlyAtSeed}`);
      assert.ok(rarest.allDone < sequential.allDone, `swarm done: rarest ${rarest.allDone} ms, sequential ${sequential.allDone} ms`);
      assert.deepEqual(spread(seed, false), rarest, 'the same seed replays the same run');
    });
  }
});

/** One leecher, a fast seed (1 MiB/s) and a very slow one (8 KiB/s: 2 s a block). */
function lastBlocks(seed: number, endgame: boolean) {
  const s = new Swarm({
    seed,
    pieces: 32,
    nodes: [
      { id: 'fast', uploadRate: 1024 * KiB, seed: true },
      { id: 'slow', uploadRate: 8 * KiB, seed: true },
      { id: 'l', uploadRate: 64 * KiB, endgame },
    ],
  });
  const l = s.node('l');
  const done = s.run(() => l.doneAt !== undefined, 600_000, 10);
  s.clock.advance(1_000); // let the last cancels arrive
  assert.deepEqual(s.nodes.flatMap(pipelineMismatches), []);
  return { done, ...l.stats, verified: l.picker.have.count() };
}

test('endgame: the last blocks held by a slow peer are fetched again and the slow requests cancelled', () => {
  for (const seed of [1, 2, 3]) {
    withSeed(seed, () => {
      const on = lastBlocks(seed, true);
      const off = lastBlocks(seed, false);
      assert.equal(on.verified, 32);
      assert.equal(off.verified, 32);
      assert.ok(on.done * 2 < off.done, `done with endgame ${on.done} ms, without ${off.done} ms`);
      assert.ok(on.cancelsSent > 0, 'duplicates were cancelled');
      assert.equal(on.badCancels, 0, 'every cancel names a request we sent to that peer');
      assert.ok(on.cancelsHit > 0, 'cancels removed queued requests at the slow peer');
      assert.ok(on.duplicates <= on.cancelsSent - on.cancelsHit, `duplicate blocks ${on.duplicates} only from cancels that came too late`);
      assert.equal(off.cancelsSent, 0);
    });
  }
});

test('tit-for-tat: a free rider gets much less than the peers that upload, and the optimistic unchoke rotates', (t) => {
  let rider = 0;
  let contributor = 0;
  const ratios: string[] = [];
  for (const seed of [1, 2, 3, 4, 5]) {
    withSeed(seed, () => {
      // Ten uploading leechers and a free rider, each starting with half of the pieces (so there is
      // plenty to trade and upload is the limit); measured after a 20 s warm-up.
      const nodes: NodeSpec[] = [
        { id: 'fr', uploadRate: 0, initialShare: 0.5 },
        ...Array.from({ length: 10 }, (_, i) => ({ id: `c${i}`, uploadRate: 64 * KiB, initialShare: 0.5 })),
      ];
      const s = new Swarm({ seed, pieces: 512, nodes, choker: { uploadSlots: 3 } });
      const contributors = s.nodes.filter((n) => n.id !== 'fr');
      const fr = s.node('fr');
      const avg = () => contributors.reduce((a, c) => a + c.stats.bytesIn, 0) / contributors.length;
      s.run(() => false, 20_000);
      const [fr0, avg0] = [fr.stats.bytesIn, avg()];
      s.run(() => false, 80_000);
      assert.ok(contributors.every((c) => c.doneAt === undefined), 'measured while everyone still trades');
      assert.deepEqual(s.nodes.flatMap(pipelineMismatches), []);
      rider += fr.stats.bytesIn - fr0;
      contributor += avg() - avg0;
      ratios.push(((fr.stats.bytesIn - fr0) / (avg() - avg0)).toFixed(2));
      const chosen = new Set<string>();
      for (const c of contributors) {
        const log = c.optimisticLog.map((e) => e.ids.join(','));
        for (const id of log) chosen.add(id);
        // rotations at about 0, 30 and 60 s (and earlier when the optimistic peer earns a regular slot)
        const changes = log.filter((x, i) => i > 0 && x !== log[i - 1]).length;
        assert.ok(changes >= 2, `${c.id}: optimistic unchokes over 80 s: ${log.join(' ')}`);
      }
      assert.ok(chosen.size >= 8, `the optimistic slots went to ${[...chosen].join(' ')}`);
    });
  }
  t.diagnostic(`free rider / contributor download: ${(rider / contributor).toFixed(2)} (per seed ${ratios.join(' ')})`);
  assert.ok(rider < 0.7 * contributor, `free rider got ${(rider / contributor).toFixed(2)} of a contributor's download (per seed ${ratios.join(' ')})`);
});

/** A leecher streaming pieces 40..47 from two fast seeds and a slow one. */
function windowFirst(seed: number, deadlines: boolean) {
  const window = [40, 41, 42, 43, 44, 45, 46, 47];
  const s = new Swarm({
    seed,
    pieces: 64,
    nodes: [
      { id: 's1', uploadRate: 256 * KiB, seed: true },
      { id: 's2', uploadRate: 256 * KiB, seed: true },
      { id: 'slow', uploadRate: 16 * KiB, seed: true },
      { id: 'l', uploadRate: 64 * KiB, deadlines: new Map(deadlines ? window.map((i, k) => [i, 500 + k * 200]) : []) },
    ],
  });
  const l = s.node('l');
  const at = s.run(() => window.every((i) => l.picker.have.get(i)), 600_000, 10);
  assert.deepEqual(pipelineMismatches(l), []);
  const others = [...l.verifiedAt.keys()].filter((i) => !window.includes(i)).length;
  return { at, others };
}

test('a deadline window is served first, from the fast peers', () => {
  for (const seed of [1, 2, 3]) {
    withSeed(seed, () => {
      const withDeadlines = windowFirst(seed, true);
      const without = windowFirst(seed, false);
      assert.ok(withDeadlines.at * 2 < without.at, `window done at ${withDeadlines.at} ms with deadlines, ${without.at} ms without`);
      assert.ok(withDeadlines.others <= 8, `${withDeadlines.others} other pieces verified before the 8-piece window`);
    });
  }
});

test('a peer that sends corrupt blocks is named by the retry and banned; the download completes', () => {
  for (const seed of [1, 2, 3]) {
    withSeed(seed, () => {
      const s = new Swarm({
        seed,
        pieces: 32,
        nodes: [
          { id: 'good', uploadRate: 128 * KiB, seed: true },
          { id: 'bad', uploadRate: 256 * KiB, seed: true, corrupt: true },
          { id: 'l1', uploadRate: 64 * KiB },
          { id: 'l2', uploadRate: 64 * KiB },
        ],
      });
      const leechers = [s.node('l1'), s.node('l2')];
      s.run(() => leechers.every((l) => l.doneAt !== undefined), 600_000);
      for (const l of leechers) {
        assert.equal(l.picker.have.count(), 32, `${l.id} completed`);
        assert.deepEqual([...l.banned], ['bad'], `${l.id} banned only the corrupt peer`);
        assert.ok(l.hashFailures >= 1);
        assert.deepEqual(pipelineMismatches(l), []);
      }
    });
  }
});
