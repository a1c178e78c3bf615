import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRng } from '../../adapters/testing/seeded-rng.js';
import { VirtualClock } from '../../adapters/testing/virtual-clock.js';
import { decodeKrpc } from '../../codecs/krpc/index.js';
import type { TorrentkitError } from '../../util/errors.js';
import { Rpc } from './rpc.js';

function setup(maxPending = 4) {
  const clock = new VirtualClock();
  const sent: Uint8Array[] = [];
  const rpc = new Rpc(
    { clock, rng: new SeededRng(1), send: (d) => sent.push(d), ownId: () => new Uint8Array(20), readOnly: false },
    { timeoutMs: 2000, minSlowMs: 100, maxSlowMs: 800, maxPending },
  );
  return { clock, sent, rpc };
}

const to = { address: '127.0.0.2', port: 6881 };

test('the pending table is bounded', () => {
  const { rpc } = setup(4);
  const noop = { onReply() {}, onFailure() {} };
  for (let i = 0; i < 4; i++) assert.equal(rpc.query(to, { q: 'ping' }, noop), true);
  assert.equal(rpc.query(to, { q: 'ping' }, noop), false);
  assert.equal(rpc.inFlight, 4);
  assert.equal(rpc.stats.refused, 1);
});

test('replies match by transaction id and source; spoofed ones are ignored; timeouts fire', () => {
  const { clock, sent, rpc } = setup();
  const events: string[] = [];
  rpc.query(to, { q: 'ping' }, { onReply: () => events.push('reply'), onFailure: (e: TorrentkitError) => events.push(e.code), onSlow: () => events.push('slow') });
  const t = decodeKrpc(sent[0]).t;
  assert.equal(rpc.handle({ y: 'r', t, id: new Uint8Array(20) }, { address: '127.0.0.3', port: 6881 }), false);
  clock.advance(799);
  assert.equal(events.length, 0);
  clock.advance(1);
  assert.deepEqual(events, ['slow'], 'slow at maxSlowMs before any RTT is known');
  assert.equal(rpc.handle({ y: 'r', t, id: new Uint8Array(20) }, to), true);
  assert.deepEqual(events, ['slow', 'reply']);
  assert.ok(rpc.slowAfterMs() >= 100 && rpc.slowAfterMs() <= 800);
  rpc.query(to, { q: 'ping' }, { onReply: () => events.push('reply2'), onFailure: (e: TorrentkitError) => events.push(e.code) });
  clock.advance(2000);
  assert.deepEqual(events.slice(2), ['BT_ERR_KRPC_TIMEOUT']);
  assert.equal(rpc.inFlight, 0);
});

test('a remote error fails the query with its number', () => {
  const { sent, rpc } = setup();
  let err: (TorrentkitError & { number?: number }) | undefined;
  rpc.query(to, { q: 'ping' }, { onReply() {}, onFailure: (e) => (err = e) });
  rpc.handle({ y: 'e', t: decodeKrpc(sent[0]).t, number: 202, message: 'Server Error' }, to);
  assert.equal(err?.code, 'BT_ERR_KRPC_REMOTE');
  assert.equal(err?.number, 202);
});
