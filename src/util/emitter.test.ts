import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Emitter } from './emitter.js';

class Thing extends Emitter<{ piece: [index: number]; done: [] }> {
  fire(i: number) {
    this.emit('piece', i);
    if (i === 2) this.emit('done');
  }
}

test('typed emitter: on, once, off, next, listener errors isolated', async () => {
  const t = new Thing();
  const seen: number[] = [];
  const errors: unknown[] = [];
  t.onListenerError = (e) => errors.push(e);
  t.on('piece', (i) => seen.push(i));
  t.on('piece', () => {
    throw new Error('boom');
  });
  let once = 0;
  t.once('piece', () => once++);
  const done = t.next('done');
  t.fire(1);
  t.fire(2);
  assert.deepEqual(seen, [1, 2]);
  assert.equal(once, 1);
  assert.equal(errors.length, 2);
  assert.deepEqual(await done, []);
  const ac = new AbortController();
  const p = t.next('done', { signal: ac.signal });
  ac.abort(new Error('stop'));
  await assert.rejects(p, /stop/);
  assert.equal(t.listenerCount('done'), 0);
});
