import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTorrentkitError } from '../../util/errors.js';
import { streamTransportSuite } from '../testing/stream-transport-suite.js';
import { tcpTransport } from './tcp.js';

streamTransportSuite('tcp IPv4', async () => ({ transport: tcpTransport, host: '127.0.0.1' }));
streamTransportSuite('tcp IPv6', async () => ({ transport: tcpTransport, host: '::1' }));

test('tcp: abort while connecting; a zero timeout fails typed', async () => {
  // A port that was free a moment ago (loopback cannot blackhole SYNs, so a real timeout is not
  // reproducible here: both outcomes below must be typed errors).
  const l = await tcpTransport.listen({ host: '127.0.0.1', port: 0 }, () => {});
  const port = l.port;
  await l.close();
  const ac = new AbortController();
  const p = tcpTransport.connect({ host: '127.0.0.1', port, signal: ac.signal, timeoutMs: 5_000 });
  ac.abort();
  await assert.rejects(p, (err) => isTorrentkitError(err, 'BT_ERR_ABORTED') || isTorrentkitError(err, 'BT_ERR_CONNECTION_REFUSED'));
  await assert.rejects(tcpTransport.connect({ host: '127.0.0.1', port, timeoutMs: 0 }), (err) =>
    isTorrentkitError(err, 'BT_ERR_CONNECT_TIMEOUT') || isTorrentkitError(err, 'BT_ERR_CONNECTION_REFUSED'),
  );
});

test('tcp: small and large writes, coalesced, arrive in call order, and a close flushes them', async (t) => {
  const received: Uint8Array[] = [];
  let closed!: () => void;
  const done = new Promise<void>((resolve) => (closed = resolve));
  const l = await tcpTransport.listen({ host: '127.0.0.1', port: 0 }, (conn) => {
    conn.onData((d) => received.push(new Uint8Array(d)));
    conn.onClose(() => closed());
  });
  t.after(() => l.close());
  const c = await tcpTransport.connect({ host: '127.0.0.1', port: l.port });
  const sent: Uint8Array[] = [];
  for (let i = 0; i < 2_000; i++) {
    const size = i % 97 === 0 ? 20_000 + i : 1 + (i % 70); // mostly small, some big
    const b = new Uint8Array(size).fill(i & 0xff);
    b[0] = i >> 8;
    sent.push(b);
    c.write(b);
    if (i % 500 === 0) await new Promise((r) => setImmediate(r));
  }
  c.close();
  await done;
  assert.deepEqual(Buffer.concat(received), Buffer.concat(sent));
});
