/**
 * WebTorrent's side of bench/stream.bench.ts (its createReadStream), same protocol as
 * leech-torrentkit.ts. DHT, LSD, trackers, uTP and port mapping off; the magnet's x.pe peers are
 * added with addPeer (WebTorrent does not read x.pe). Protocol encryption off: torrentkit's seeders
 * speak plaintext BitTorrent only, and WebTorrent's fallback after a failed PE handshake waits
 * seconds between retries.
 */
import WebTorrent from 'webtorrent';

const [magnet, dir, offsetsJson] = process.argv.slice(2);
const offsets = JSON.parse(offsetsJson) as number[];
const MiB = 1024 * 1024;
const client = new WebTorrent({ dht: false, lsd: false, tracker: false, utp: false, natUpnp: false, natPmp: false, webSeeds: false, secure: 0 });
client.on('error', (e) => console.error(e));
const t0 = performance.now();
const torrent = client.add(magnet, { path: dir });
const addPeers = () => {
  for (const pe of new URL(magnet).searchParams.getAll('x.pe')) torrent.addPeer(pe);
};
if (torrent.infoHash) addPeers();
else torrent.once('infoHash', addPeers);
await new Promise<void>((r) => (torrent.ready ? r() : torrent.once('ready', () => r())));
if (process.env.STREAM_BENCH_DEBUG) console.error('ready', performance.now() - t0);
const file = torrent.files.reduce((a, b) => (b.length > a.length ? b : a));

async function readMiB(at: number): Promise<void> {
  const s = file.createReadStream({ start: at, end: at + MiB - 1 });
  for await (const _ of s) {
    // drain
  }
}

await readMiB(0);
const firstMiB = performance.now() - t0;
const seeks: number[] = [];
for (const at of offsets) {
  const s = performance.now();
  await readMiB(at);
  seeks.push(performance.now() - s);
}
console.log(JSON.stringify({ firstMiB, seeks }));
client.destroy(() => process.exit(0));
setTimeout(() => process.exit(0), 5000).unref();
