/**
 * Compliance suite for StreamTransport implementations: every transport (TCP, the in-memory
 * network, later WebRTC) runs the same tests in a few lines:
 *
 *   streamTransportSuite('tcp IPv4', async () => ({ transport: tcpTransport, host: '127.0.0.1' }));
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StreamConnection, StreamTransport } from '../../ports/transport.js';
import { isTorrentkitError } from '../../util/errors.js';

export interface StreamTransportFixture {
  transport: StreamTransport;
  /** Address to listen on and connect to. */
  host: string;
  /** A port nothing listens on, for the refused-connection test. */
  closedPort?: number;
}

function accept(transport: StreamTransport, host: string) {
  let resolveConn!: (c: StreamConnection) => void;
  const incoming = new Promise<StreamConnection>((r) => (resolveConn = r));
  return transport.listen({ port: 0, host }, (c) => resolveConn(c)).then((listener) => ({ listener, incoming }));
}

function collect(conn: StreamConnection) {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let closed: ((err?: Error) => void) | undefined;
  const closedP = new Promise<Error | undefined>((r) => (closed = r));
  conn.onData((d) => {
    chunks.push(new Uint8Array(d)); // a copy (Buffer#slice would be a view)
    total += d.length;
  });
  conn.onClose((err) => closed!(err));
  return {
    chunks,
    get total() {
      return total;
    },
    closed: closedP,
    bytes(): Uint8Array {
      const out = new Uint8Array(total);
      let o = 0;
      for (const c of chunks) {
        out.set(c, o);
        o += c.length;
      }
      return out;
    },
  };
}

async function until(cond: () => boolean, what: string, limitMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

export function streamTransportSuite(name: string, setup: () => Promise<StreamTransportFixture>): void {
  test(`${name}: connect, exchange bytes both ways, addresses`, async () => {
    const { transport, host } = await setup();
    const { listener, incoming } = await accept(transport, host);
    try {
      assert.ok(listener.port > 0);
      const client = await transport.connect({ host, port: listener.port });
      const server = await incoming;
      assert.equal(client.remotePort, listener.port);
      assert.equal(server.localPort, listener.port);
      assert.equal(server.remotePort, client.localPort);
      const atServer = collect(server);
      const atClient = collect(client);
      client.write(Uint8Array.of(1, 2, 3));
      server.write(Uint8Array.of(9, 8));
      await until(() => atServer.total === 3 && atClient.total === 2, 'data');
      assert.deepEqual(atServer.bytes(), Uint8Array.of(1, 2, 3));
      assert.deepEqual(atClient.bytes(), Uint8Array.of(9, 8));
      client.close();
      assert.equal(await atServer.closed, undefined);
      await atClient.closed;
    } finally {
      await listener.close();
    }
  });

  test(`${name}: write backpressure while the receiver is paused, drain after resume, order kept`, async () => {
    const { transport, host } = await setup();
    const { listener, incoming } = await accept(transport, host);
    try {
      const client = await transport.connect({ host, port: listener.port });
      const server = await incoming;
      const atServer = collect(server);
      server.pause();
      let drained = 0;
      client.onDrain(() => drained++);
      let written = 0;
      let blocked = false;
      // Bounded: a transport that never pushes back fails here rather than looping forever.
      for (let i = 0; i < 2000 && !blocked; i++) {
        const chunk = pattern(64 * 1024, i);
        written += chunk.length;
        blocked = !client.write(chunk);
        if (i % 16 === 15) await new Promise((r) => setImmediate(r));
      }
      assert.ok(blocked, 'write() returned false at some point');
      server.resume();
      await until(() => drained > 0, 'drain');
      await until(() => atServer.total === written, 'all bytes');
      const got = atServer.bytes();
      let o = 0;
      for (let i = 0; o < written; i++) {
        assert.deepEqual(got.subarray(o, o + 65536), pattern(65536, i), `chunk ${i}`);
        o += 65536;
      }
      client.close(true);
      await atServer.closed;
    } finally {
      await listener.close();
    }
  });

  test(`${name}: close() flushes what was written; close(true) resets`, async () => {
    const { transport, host } = await setup();
    const { listener, incoming } = await accept(transport, host);
    try {
      const client = await transport.connect({ host, port: listener.port });
      const server = await incoming;
      const atServer = collect(server);
      const atClient = collect(client);
      const big = pattern(1 << 20, 3);
      client.write(big);
      client.close();
      await atServer.closed;
      assert.equal(atServer.total, big.length);
      assert.deepEqual(atServer.bytes(), big);
      await atClient.closed;

      const { listener: l2, incoming: in2 } = await accept(transport, host);
      const c2 = await transport.connect({ host, port: l2.port });
      const s2 = collect(await in2);
      c2.close(true);
      await s2.closed;
      await l2.close();
    } finally {
      await listener.close();
    }
  });

  test(`${name}: refused and aborted connects fail with typed errors`, async () => {
    const { transport, host, closedPort } = await setup();
    const { listener } = await accept(transport, host);
    const port = closedPort ?? listener.port;
    await listener.close();
    await assert.rejects(transport.connect({ host, port }), (err) => isTorrentkitError(err, 'BT_ERR_CONNECTION_REFUSED'));
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(transport.connect({ host, port, signal: ac.signal }), (err) => isTorrentkitError(err, 'BT_ERR_ABORTED'));
  });

  test(`${name}: listening twice on one port fails with BT_ERR_ADDRESS_IN_USE`, async () => {
    const { transport, host } = await setup();
    const { listener } = await accept(transport, host);
    try {
      await assert.rejects(transport.listen({ port: listener.port, host }, () => {}), (err) => isTorrentkitError(err, 'BT_ERR_ADDRESS_IN_USE'));
    } finally {
      await listener.close();
    }
  });
}
