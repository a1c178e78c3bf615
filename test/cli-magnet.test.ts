/**
 * `torrentkit download <infohash> --bootstrap HOST:PORT`: the built CLI finds a torrentkit seeder
 * through a local DHT (router on 127.0.0.2), fetches the metadata and downloads; and a magnet
 * link with x.pe and --no-dht.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { Client } from '../src/adapters/node/client.js';
import { createDhtNode } from '../src/adapters/node/dht.js';
import { toHex } from '../src/util/bytes.js';
import { makeContent } from './helpers/swarm.js';
import { ROOT, tempDir } from './helpers/tools.js';

function run(t: TestContext, args: string[], cwd: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/torrentkit.js'), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (out += String(d)));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out })));
}

test('download of a bare info hash through the DHT given by --bootstrap, and of a magnet with x.pe and --no-dht', async (t) => {
  const dir = tempDir(t);
  const router = createDhtNode({ address: '127.0.0.2', port: 0, bootstrap: [] });
  await router.start();
  t.after(() => router.close());
  const bootstrap = `127.0.0.2:${router.address().port}`;
  const content = await makeContent(join(dir, 'seed'), 'clipack', { 'f.bin': 90_000 }, { pieceLength: 16 * 1024 });
  const seeder = new Client({ lsd: false, path: join(dir, 'seed'), port: 0, bindAddress: '127.0.0.3', localAddress: '127.0.0.3', hashThreads: 1, dht: { port: 0 }, bootstrap: [bootstrap] });
  t.after(() => seeder.close());
  const hex = toHex(content.meta.id);
  const announced = new Promise<void>((resolve) => router.on('announced', (h) => toHex(h) === hex && resolve()));
  await (await seeder.add(content.torrent)).whenDone();
  await announced;
  const viaDht = await run(t, ['download', hex, '--bootstrap', bootstrap, '--no-lsd', '--bind', '127.0.0.4', '--port', '0', '-o', 'a', '--quiet'], dir);
  assert.equal(viaDht.code, 0, viaDht.out);
  assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'a', 'clipack', 'f.bin'))), content.files.get('f.bin'));
  const viaPe = await run(t, ['download', `magnet:?xt=urn:btih:${hex}&x.pe=127.0.0.3:${seeder.port}`, '--no-dht', '--no-lsd', '--bind', '127.0.0.4', '--port', '0', '-o', 'b', '--quiet'], dir);
  assert.equal(viaPe.code, 0, viaPe.out);
  assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'b', 'clipack', 'f.bin'))), content.files.get('f.bin'));
});
