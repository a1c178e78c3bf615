/**
 * Interop with libtorrent's DHT (python3-libtorrent 2.0): a libtorrent node listening on
 * 127.0.0.2, bootstrapped only to torrentkit nodes on 127.0.0.1, joins their network; each side
 * announces an info hash and finds the other's announced peer. LSD, UPnP and NAT-PMP are off;
 * everything stays on loopback.
 */
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { systemClock } from '../../src/adapters/node/clock.js';
import { nodeDatagrams } from '../../src/adapters/node/datagram.js';
import { cryptoRng } from '../../src/adapters/node/rng.js';
import { DhtNode } from '../../src/engines/dht/index.js';
import { toHex } from '../../src/util/bytes.js';
import { PYTHON, requireLibtorrent, tempDir } from '../helpers/tools.js';

interface LtEvent {
  ev: string;
  [key: string]: unknown;
}

class LibtorrentNode {
  private readonly events: LtEvent[] = [];
  private waiters: (() => void)[] = [];
  readonly proc: ChildProcessWithoutNullStreams;
  log = '';

  constructor(listenIp: string, bootstrap: string) {
    this.proc = spawn(PYTHON, [join(import.meta.dirname, 'fixtures/lt_dht.py'), listenIp, bootstrap], { stdio: 'pipe' });
    let buf = '';
    this.proc.stdout.setEncoding('utf8');
    this.proc.stdout.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        this.log += `${line}\n`;
        this.events.push(JSON.parse(line) as LtEvent);
        for (const w of this.waiters.splice(0)) w();
      }
    });
    this.proc.stderr.on('data', (d) => (this.log += String(d)));
  }

  send(cmd: Record<string, unknown>): void {
    this.proc.stdin.write(`${JSON.stringify(cmd)}\n`);
  }

  /** Waits for an event matching `pred`, re-sending `poke` every second (bounded by `ms`). */
  async waitFor(pred: (e: LtEvent) => boolean, ms: number, poke?: () => void): Promise<LtEvent> {
    const deadline = Date.now() + ms;
    let lastPoke = 0;
    for (;;) {
      const hit = this.events.find(pred);
      if (hit) return hit;
      if (this.proc.exitCode !== null) throw new Error(`libtorrent exited (${this.proc.exitCode})\n${this.log}`);
      if (Date.now() > deadline) throw new Error(`libtorrent: no matching event within ${ms} ms\n${this.log}`);
      if (poke && Date.now() - lastPoke >= 1000) {
        lastPoke = Date.now();
        poke();
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, 200);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  async close(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.send({ cmd: 'quit' });
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  }
}

test('libtorrent and torrentkit DHT nodes find each other\'s announced peers', async (t) => {
  if (!requireLibtorrent(t)) return;
  const nodes: DhtNode[] = [];
  t.after(() => Promise.all(nodes.map((n) => n.close())));
  for (let i = 0; i < 8; i++) {
    const boot = nodes[0] ? [{ host: '127.0.0.1', port: nodes[0].address().port }] : [];
    const n = new DhtNode({ datagrams: nodeDatagrams, clock: systemClock, rng: cryptoRng }, { address: '127.0.0.1', port: 0, bootstrap: boot });
    await n.start();
    nodes.push(n);
  }
  const lt = new LibtorrentNode('127.0.0.2', `127.0.0.1:${nodes[0].address().port}`);
  t.after(() => lt.close());
  const ready = await lt.waitFor((e) => e.ev === 'ready', 20_000);
  // libtorrent joins through our node: wait until its table holds torrentkit nodes.
  await lt.waitFor((e) => e.ev === 'stats' && (e.nodes as number) >= 3, 30_000, () => lt.send({ cmd: 'stats' }));
  const ltAddress = nodes[0].nodes().find((n) => n.address === '127.0.0.2');
  assert.ok(ltAddress, 'the libtorrent node entered our routing table');

  // torrentkit announces; libtorrent's get_peers finds the peer.
  const ours = cryptoRng.bytes(20);
  const ann = await nodes[3].announce(ours, 41_111);
  assert.ok(ann.acknowledged >= 3, `${ann.acknowledged} nodes acknowledged`);
  const found = await lt.waitFor(
    (e) => e.ev === 'peers' && e.ih === toHex(ours) && (e.peers as string[]).includes('127.0.0.1:41111'),
    30_000,
    () => lt.send({ cmd: 'get_peers', ih: toHex(ours) }),
  );
  assert.ok(found);
  // With 9 nodes and k = 8, libtorrent is among the closest: it stored our announce.
  if (ann.lookup.closest.some((n) => n.address === '127.0.0.2')) {
    await lt.waitFor((e) => e.ev === 'announced' && e.ih === toHex(ours) && e.port === 41_111, 10_000);
  }

  // libtorrent announces; torrentkit's lookup finds it.
  const theirs = cryptoRng.bytes(20);
  lt.send({ cmd: 'add_torrent', ih: toHex(theirs), save_path: tempDir(t) });
  const ltPeer = `127.0.0.2:${ready.port as number}`;
  const deadline = Date.now() + 30_000;
  let peers: string[] = [];
  while (!peers.includes(ltPeer)) {
    assert.ok(Date.now() < deadline && lt.proc.exitCode === null, `torrentkit did not find libtorrent's peer\n${lt.log}`);
    await new Promise((r) => setTimeout(r, 300));
    const r = await nodes[6].lookupPeers(theirs);
    assert.ok(r.replies > 0);
    peers = r.peers.map((p) => `${p.address}:${p.port}`);
  }
});
