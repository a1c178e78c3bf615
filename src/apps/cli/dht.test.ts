/**
 * The `dht` command end to end on loopback: a CLI node joins a small in-process network, then
 * `dht announce` and `dht get-peers` (separate processes) find each other through it.
 * Runs the built CLI (npm test builds it first).
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { systemClock } from '../../adapters/node/clock.js';
import { nodeDatagrams } from '../../adapters/node/datagram.js';
import { cryptoRng } from '../../adapters/node/rng.js';
import { DhtNode } from '../../engines/dht/node.js';
import { ROOT, tempDir } from '../../../test/helpers/tools.js';

const run = promisify(execFile);
const BIN = join(ROOT, 'bin/torrentkit.js');

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

test('dht node, announce and get-peers on loopback', async (t) => {
  const dir = tempDir(t);
  const nodes: DhtNode[] = [];
  t.after(() => Promise.all(nodes.map((n) => n.close())));
  for (let i = 0; i < 6; i++) {
    const boot = nodes[0] ? [{ host: '127.0.0.1', port: nodes[0].address().port }] : [];
    const n = new DhtNode({ datagrams: nodeDatagrams, clock: systemClock, rng: cryptoRng }, { address: '127.0.0.1', port: 0, bootstrap: boot });
    await n.start();
    nodes.push(n);
  }
  const seed = `127.0.0.1:${nodes[0].address().port}`;
  const state = join(dir, 'dht.json');
  const child = spawn(process.execPath, [BIN, 'dht', '--bind', '127.0.0.1', '--port', '0', '--bootstrap', seed, '--interval', '0.2', '--state', state], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => (out += d));
  const deadline = Date.now() + 30_000;
  while (!/nodes [1-9]/.test(out)) {
    assert.ok(Date.now() < deadline, `node did not report its table: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const m = /dht node ([0-9a-f]{40}) listening on 127\.0\.0\.1:(\d+)/.exec(out);
  assert.ok(m, out);
  const cliNode = `127.0.0.1:${m[2]}`;

  const ih = 'c12fe1c06bba254a9dc9f519b335aa7c1367a88a';
  const ann = await cli(['dht', 'announce', ih, '--port', '4567', '--bind', '127.0.0.1', '--bootstrap', cliNode, '--timeout', '20']);
  assert.equal(ann.code, 0, ann.stderr);
  assert.match(ann.stdout, new RegExp(`announced ${ih} port 4567 to [1-9]`));
  const got = await cli(['dht', 'get-peers', ih, '--bind', '127.0.0.1', '--bootstrap', cliNode, '--timeout', '20']);
  assert.equal(got.code, 0, got.stderr);
  assert.ok(got.stdout.split('\n').includes('127.0.0.1:4567'), got.stdout);
  assert.match(got.stderr, /\d+ peers; \d+ queries, \d+ replies, \d+ hops/);

  const none = await cli(['dht', 'get-peers', '0'.repeat(40), '--bind', '127.0.0.1', '--bootstrap', cliNode, '--timeout', '20']);
  assert.equal(none.code, 1, 'no peers: exit 1');
  const bad = await cli(['dht', 'get-peers', 'xyz', '--bootstrap', cliNode]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /BT_ERR_CLI_BAD_INFOHASH/);
  const noPort = await cli(['dht', 'announce', ih, '--bootstrap', cliNode]);
  assert.equal(noPort.code, 2);
  assert.match(noPort.stderr, /BT_ERR_CLI_USAGE/);

  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  const { readFileSync } = await import('node:fs');
  const saved = JSON.parse(readFileSync(state, 'utf8')) as { id: string; nodes: unknown[] };
  assert.equal(saved.id, m[1], 'the routing table was saved on exit');
  assert.ok(saved.nodes.length > 0);
});
