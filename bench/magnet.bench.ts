/**
 * Magnet links on a local swarm (loopback): time to the first connected peer and to the complete,
 * verified metadata (BEP 9) for a magnet link whose only hint is x.pe, torrentkit against a
 * libtorrent leecher on the same swarm (a libtorrent seeder of a 32 MiB torrent with 2,048
 * pieces, so the info dictionary spans three 16 KiB metadata pieces). Runs alternate; medians of
 * RUNS. libtorrent's times are taken inside its process from add_torrent (alerts are read every
 * 20 ms, and libtorrent opens connections on its once-a-second tick, which dominates its figures);
 * ours from addMagnet.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '../src/adapters/node/client.js';
import { LtPeer } from '../test/helpers/lt-peer.js';
import { printReport } from './lib/report.js';

const RUNS = 7;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function ours(dir: string, uri: string): Promise<{ peer: number; metadata: number }> {
  const client = new Client({ lsd: false, dht: false, path: dir, port: 0, bindAddress: '127.0.0.1', localAddress: '127.0.0.1', hashThreads: 1 });
  try {
    await client.listen();
    const t0 = performance.now();
    const magnet = await client.addMagnet(uri);
    let peer = Number.NaN;
    magnet.once('peerConnected', () => (peer = performance.now() - t0));
    await magnet.whenMetadata({ signal: AbortSignal.timeout(30_000) });
    const metadata = performance.now() - t0;
    return { peer, metadata };
  } finally {
    await client.close();
  }
}

async function theirs(dir: string, uri: string): Promise<{ peer: number; metadata: number }> {
  const lt = new LtPeer({ mode: 'magnet', dir, uri, listen_ip: '127.0.0.3' });
  try {
    const peer = await lt.waitFor('peer', 30_000);
    const meta = await lt.waitFor('metadata', 30_000);
    return { peer: (peer.t as number) * 1000, metadata: (meta.t as number) * 1000 };
  } finally {
    await lt.close();
  }
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'tk-magnet-bench-'));
  try {
    mkdirSync(join(root, 'seed'));
    writeFileSync(join(root, 'seed', 'payload.bin'), randomBytes(32 * 1024 * 1024));
    const seeder = new LtPeer({ mode: 'seed', dir: join(root, 'seed'), name: 'payload.bin', piece_length: 16 * 1024, listen_ip: '127.0.0.2' });
    try {
      const ready = await seeder.waitFor('ready', 120_000);
      const uri = `magnet:?xt=urn:btih:${ready.info_hash as string}&x.pe=127.0.0.2:${ready.port as number}`;
      const a: { peer: number; metadata: number }[] = [];
      const b: { peer: number; metadata: number }[] = [];
      for (let i = 0; i < RUNS; i++) {
        a.push(await ours(join(root, `tk${i}`), uri));
        b.push(await theirs(join(root, `lt${i}`), uri));
      }
      printReport(`magnet link metadata, x.pe to a libtorrent seeder, median of ${RUNS}`, [
        { metric: 'time to first peer', unit: 'ms', ours: median(a.map((r) => r.peer)), anchor: 'libtorrent 2.0', theirs: median(b.map((r) => r.peer)), higherIsBetter: false },
        { metric: 'time to verified metadata (3 x 16 KiB)', unit: 'ms', ours: median(a.map((r) => r.metadata)), anchor: 'libtorrent 2.0', theirs: median(b.map((r) => r.metadata)), higherIsBetter: false },
      ]);
    } finally {
      await seeder.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
