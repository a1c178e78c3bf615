// A WebTorrent leecher for benchmarks: downloads TORRENT into DIR from its tracker (and PEER if
// given) with DHT, LSD, UPnP and NAT-PMP off; prints "done" and exits.
// usage: node webtorrent-leech.mjs TORRENT DIR [HOST:PORT]
import { readFileSync } from 'node:fs';
import WebTorrent from 'webtorrent';

const [torrent, dir, peer] = process.argv.slice(2);
const client = new WebTorrent({ dht: false, lsd: false, natUpnp: false, natPmp: false, utp: false, webSeeds: false });
client.on('error', (err) => {
  console.error(err);
  process.exit(1);
});
const t = client.add(readFileSync(torrent), { path: dir }, () => {});
if (peer) t.once('infoHash', () => t.addPeer(peer));
t.on('done', () => {
  console.log('done');
  client.destroy(() => process.exit(0));
});
