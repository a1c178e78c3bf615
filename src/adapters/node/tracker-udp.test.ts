/** UDP connection ids: stateless, bound to address and port, valid for one to two minutes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock } from '../testing/virtual-clock.js';
import { CONNECTION_WINDOW_MS, ConnectionIds } from './tracker-udp.js';

test('connection ids cannot be reused from another address, port or secret, and expire', () => {
  const clock = new VirtualClock(0);
  const secret = new Uint8Array(32).fill(7);
  const ids = new ConnectionIds(clock, secret);
  const id = ids.issue('127.0.0.2', 5000);
  assert.equal(id.length, 8);
  assert.ok(ids.verify(id, '127.0.0.2', 5000));
  assert.ok(!ids.verify(id, '127.0.0.3', 5000));
  assert.ok(!ids.verify(id, '127.0.0.2', 5001));
  assert.ok(!new ConnectionIds(clock, new Uint8Array(32).fill(8)).verify(id, '127.0.0.2', 5000));
  assert.ok(new ConnectionIds(clock, secret).verify(id, '127.0.0.2', 5000), 'processes sharing a secret agree');
  clock.advance(CONNECTION_WINDOW_MS);
  assert.ok(ids.verify(id, '127.0.0.2', 5000), 'still valid in the next window');
  clock.advance(CONNECTION_WINDOW_MS);
  assert.ok(!ids.verify(id, '127.0.0.2', 5000), 'expired after two windows');
  const tampered = id.slice();
  tampered[7] ^= 1;
  assert.ok(!ids.verify(tampered, '127.0.0.2', 5000));
});
