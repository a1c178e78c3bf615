import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTorrentkitError } from '../../util/errors.js';
import { createMemoryPair, MemoryNetwork } from './memory-stream.js';
import { streamTransportSuite } from './stream-transport-suite.js';
import { VirtualClock } from './virtual-clock.js';

streamTransportSuite('memory network', async () => ({ transport: new MemoryNetwork().transport('10.0.0.1'), host: '10.0.0.1' }));

test('memory pair on a virtual clock: latency and bandwidth shape delivery times', () => {
  const clock = new VirtualClock();
  const [a, b] = createMemoryPair({ clock, link: { latencyMs: 50, bytesPerSecond: 100_000 } });
  const arrivals: Array<[number, number]> = [];
  b.onData((d) => arrivals.push([clock.now(), d.length]));
  a.write(new Uint8Array(10_000)); // 100 ms on the wire + 50 ms latency
  a.write(new Uint8Array(5_000)); // queued behind: done at 150 ms, arrives at 200 ms
  clock.advance(149);
  assert.deepEqual(arrivals, []);
  clock.advance(1);
  assert.deepEqual(arrivals, [[150, 10_000]]);
  clock.advance(50);
  assert.deepEqual(arrivals, [[150, 10_000], [200, 5_000]]);
});

test('memory pair: a write with onWritten is read when it arrives, one without is copied at once', () => {
  const clock = new VirtualClock();
  const [a, b] = createMemoryPair({ clock, link: { latencyMs: 10 } });
  const got: number[][] = [];
  b.onData((d) => got.push([...d]));
  const held = Uint8Array.of(1, 2, 3);
  const copied = Uint8Array.of(4, 5, 6);
  let written = 0;
  a.write(held, () => written++);
  a.write(copied);
  held[0] = 9; // the transport still holds `held`: the change travels
  copied[0] = 9; // `copied` was copied: the change does not
  clock.advance(9);
  assert.equal(written, 0, 'not written before it arrives');
  clock.advance(1);
  assert.equal(written, 1);
  assert.deepEqual(got, [[9, 2, 3], [4, 5, 6]]);
  b.close(true);
  clock.advance(20);
  a.write(held, () => written++); // closed: nothing holds it, called at once
  assert.equal(written, 2);
});

test('memory pair: deliveries keep their order on a clock that rounds timers down, as Node does', () => {
  // node:timers truncate a delay to whole milliseconds. A frame that leaves the link at 2.9 ms,
  // scheduled at 0 ms, fires at 2 ms; a byte queued behind it at 0.95 ms (due at 2.901 ms, a delay
  // of 1.951 ms) would fire at 1.95 ms, before it.
  class RoundingClock extends VirtualClock {
    override setTimeout(fn: () => void, ms: number) {
      return super.setTimeout(fn, Math.trunc(ms));
    }
  }
  const clock = new RoundingClock();
  const [a, b] = createMemoryPair({ clock, link: { bytesPerSecond: 1_000_000 } });
  const got: number[] = [];
  b.onData((d) => got.push(d[0]));
  a.write(new Uint8Array(2900).fill(1));
  clock.advance(0.95);
  a.write(Uint8Array.of(2));
  clock.advance(5);
  assert.deepEqual(got, [1, 2]);
});

test('memory pair: backpressure follows bytes in flight and the receiver pausing', () => {
  const clock = new VirtualClock();
  const [a, b] = createMemoryPair({ clock, highWaterMark: 1000 });
  let got = 0;
  let drains = 0;
  b.onData((d) => (got += d.length));
  a.onDrain(() => drains++);
  b.pause();
  assert.equal(a.write(new Uint8Array(600)), true);
  assert.equal(a.write(new Uint8Array(600)), false);
  clock.advance(10);
  assert.equal(got, 0);
  assert.equal(drains, 0);
  b.resume();
  clock.advance(0);
  assert.equal(got, 1200);
  assert.equal(drains, 1);
});

test('memory network: per-link shaping and refused connections', async () => {
  const clock = new VirtualClock();
  const net = new MemoryNetwork({ clock, link: (from) => ({ latencyMs: from === '10.0.0.1' ? 10 : 30 }) });
  const srv = net.transport('10.0.0.2');
  const received: number[] = [];
  const listener = await srv.listen({ host: '10.0.0.2', port: 6881 }, (c) => c.onData(() => received.push(clock.now())));
  const connecting = net.transport('10.0.0.1').connect({ host: '10.0.0.2', port: 6881 });
  clock.advance(10);
  const c = await connecting;
  c.write(Uint8Array.of(1));
  clock.advance(9);
  assert.deepEqual(received, []);
  clock.advance(1);
  assert.deepEqual(received, [20]);
  await listener.close();
});

test('memory network: a vanished host goes silent and new connects to it time out on the clock', async () => {
  const clock = new VirtualClock();
  const net = new MemoryNetwork({ clock });
  let serverGot = 0;
  let serverClosed = false;
  await net.transport('10.0.0.2').listen({ host: '10.0.0.2', port: 1 }, (c) => {
    c.onData((d) => (serverGot += d.length));
    c.onClose(() => (serverClosed = true));
  });
  const p = net.transport('10.0.0.1').connect({ host: '10.0.0.2', port: 1 });
  clock.advance(0);
  const c = await p;
  let clientClosed = false;
  c.onClose(() => (clientClosed = true));
  c.write(new Uint8Array(10));
  clock.advance(0);
  assert.equal(serverGot, 10);
  net.vanish('10.0.0.2');
  assert.equal(c.write(new Uint8Array(10)), true, 'writes still look fine');
  clock.advance(60_000);
  assert.equal(serverGot, 10);
  assert.equal(clientClosed || serverClosed, false, 'no FIN, no reset');
  let err: unknown;
  net.transport('10.0.0.1').connect({ host: '10.0.0.2', port: 1, timeoutMs: 3000 }).catch((e) => (err = e));
  clock.advance(2999);
  await Promise.resolve();
  assert.equal(err, undefined);
  clock.advance(1);
  await Promise.resolve();
  assert.ok(isTorrentkitError(err, 'BT_ERR_CONNECT_TIMEOUT'));
  net.reachable('10.0.0.2');
  const again = net.transport('10.0.0.1').connect({ host: '10.0.0.2', port: 1 });
  clock.advance(0);
  await again;
});
