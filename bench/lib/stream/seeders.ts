/**
 * The swarm of bench/stream.bench.ts, in its own process: torrentkit seeders on 127.0.0.2.., each
 * with its upload limit, data checked before the swarm opens (so no hashing runs during the
 * measurements). Prints one JSON line
 * with their addresses, then runs until stdin closes.
 *   node --import tsx bench/lib/stream/seeders.ts <torrent> <data dir> <rate,rate,...>
 */
import { readFileSync } from 'node:fs';
import { Client } from '../../../src/adapters/node/client.js';

const [torrentPath, dataDir, rates] = process.argv.slice(2);
const torrent = new Uint8Array(readFileSync(torrentPath));
const clients: Client[] = [];
const peers: string[] = [];
for (const [i, r] of rates.split(',').map(Number).entries()) {
  const host = `127.0.0.${i + 2}`;
  const c = new Client({ lsd: false, dht: false, path: dataDir, port: 0, bindAddress: host, localAddress: host, hashThreads: 2, resumeDir: `${dataDir}/.resume-${i}` });
  clients.push(c);
  const t = await c.add(torrent, { uploadLimit: r });
  await t.whenDone();
  peers.push(`${host}:${c.port}`);
}
console.log(JSON.stringify({ peers }));
process.stdin.resume();
process.stdin.on('end', () => void Promise.all(clients.map((c) => c.close())).then(() => process.exit(0)));
