/**
 * torrentkit's side of bench/stream.bench.ts: adds the magnet link, reads the first MiB of the
 * file, then 1 MiB after each seek; prints {firstMiB, seeks} in milliseconds.
 *   node --import tsx leech-torrentkit.ts <magnet> <dir> <offsets json>
 */
import { Client } from '../../../src/adapters/node/client.js';

const [magnet, dir, offsetsJson] = process.argv.slice(2);
const offsets = JSON.parse(offsetsJson) as number[];
const MiB = 1024 * 1024;
const client = new Client({ lsd: false, dht: false, path: dir, port: 0, bindAddress: '127.0.0.1', localAddress: '127.0.0.1' });
const t0 = performance.now();
const torrent = await client.add(magnet);
const metadataMs = performance.now() - t0;
let firstPieceMs = 0;
torrent.once('pieceVerified', () => (firstPieceMs = performance.now() - t0));
let readyMs = 0;
torrent.once('ready', () => (readyMs = performance.now() - t0));
const file = torrent.files.filter((f) => !f.pad).reduce((a, b) => (b.length > a.length ? b : a));
const reader = file.createReader({ readahead: MiB });

async function readMiB(): Promise<void> {
  let got = 0;
  while (got < MiB) {
    const c = await reader.read(MiB - got);
    if (c === null) break;
    got += c.length;
  }
}

await readMiB();
const firstMiB = performance.now() - t0;
const seeks: number[] = [];
for (const at of offsets) {
  const s = performance.now();
  reader.seek(at);
  await readMiB();
  seeks.push(performance.now() - s);
}
reader.close();
console.log(JSON.stringify({ firstMiB, seeks, metadataMs, readyMs, firstPieceMs, progress: torrent.stats().progress }));
await client.close();
process.exit(0);
