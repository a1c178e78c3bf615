import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { createStreamHandler } from '../../engines/http/index.js';
import { makeContent } from '../../../test/helpers/swarm.js';
import { tempDir } from '../../../test/helpers/tools.js';
import { Client } from './client.js';
import { hostAllowed, startStreamServer } from './http-server.js';

function get(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('hostAllowed: IP literals and localhost with our port pass, other names do not', () => {
  assert.equal(hostAllowed('127.0.0.1:8888', 8888), true);
  assert.equal(hostAllowed('localhost:8888', 8888), true);
  assert.equal(hostAllowed('[::1]:8888', 8888), true);
  assert.equal(hostAllowed('192.168.1.5', 8888), true);
  assert.equal(hostAllowed(undefined, 8888), true);
  assert.equal(hostAllowed('evil.example:8888', 8888), false);
  assert.equal(hostAllowed('localhost:9999', 8888), false);
  assert.equal(hostAllowed('media.lan:8888', 8888, ['media.lan']), true);
});

test('the server streams a torrent being downloaded, with ranges, and refuses rebinding hosts', async (t) => {
  const dir = tempDir(t);
  const content = await makeContent(join(dir, 'seed'), 'vid', { 'v.mp4': 600_000, 'n.txt': 100 }, { pieceLength: 32 * 1024 });
  const mk = (p: string) => new Client({ lsd: false, dht: false, path: p, port: 0, bindAddress: '127.0.0.1', localAddress: '127.0.0.1', hashThreads: 1 });
  const seeder = mk(join(dir, 'seed'));
  const leecher = mk(join(dir, 'leech'));
  t.after(() => Promise.all([seeder.close(), leecher.close()]));
  await (await seeder.add(content.torrent)).whenDone();
  const l = await leecher.add(content.torrent, { peers: [`127.0.0.1:${seeder.port}`] });
  const server = await startStreamServer({ port: 0, handler: createStreamHandler({ name: l.meta.name, infoHashHex: l.infoHashHex, files: l.files, stats: () => l.stats() }) });
  t.after(() => server.close());
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const v = l.files.findIndex((f) => f.name === 'v.mp4');
  const host = `127.0.0.1:${server.port}`;
  const r = await get(server.port, `/${v}`, { host, range: 'bytes=300000-400009' });
  assert.equal(r.status, 206);
  assert.equal(r.headers['content-range'], 'bytes 300000-400009/600000');
  assert.deepEqual(new Uint8Array(r.body), content.files.get('v.mp4')!.subarray(300_000, 400_010));
  const whole = await fetch(`${server.url}/vid/v.mp4`);
  assert.equal(whole.status, 200);
  assert.deepEqual(new Uint8Array(await whole.arrayBuffer()), content.files.get('v.mp4'));
  const evil = await get(server.port, `/${v}`, { host: `attacker.example:${server.port}` });
  assert.equal(evil.status, 403);
  const stats = (await (await fetch(`${server.url}/stats.json`)).json()) as { peers: number };
  assert.equal(typeof stats.peers, 'number');
  // A client that hangs up mid-body closes its reader (and its window).
  const ac = new AbortController();
  const res = await fetch(`${server.url}/${v}`, { signal: ac.signal, headers: { range: 'bytes=0-' } });
  const rd = res.body!.getReader();
  await rd.read();
  ac.abort();
  const stop = Date.now() + 10_000;
  while (l.streams.heads.size > 0 && Date.now() < stop) await new Promise((x) => setTimeout(x, 20));
  assert.equal(l.streams.heads.size, 0);
});
