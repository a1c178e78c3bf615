/**
 * Streaming: time from adding a magnet link to the first MiB of the file, and the time for a 1 MiB
 * read after a seek to a random offset (p50 / p95 of 10), torrentkit against WebTorrent
 * (createReadStream) and libtorrent (set_piece_deadline), one after another on the same swarm:
 * 200 MiB, 256 KiB pieces, five torrentkit seeders on 127.0.0.2-6 in their own process, three at
 * 2 MiB/s and two at 256 KiB/s (upload limits applied by the seeders, so libtorrent's loopback
 * exemption from its own rate limits does not matter). Each leecher runs in its own process and
 * starts from an empty folder. `STREAM_BENCH_MIB` shrinks the file for a quick run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeContentSource } from '../src/adapters/node/content-source.js';
import { HashPool } from '../src/adapters/node/hash-pool.js';
import { SeededRng } from '../src/adapters/testing/seeded-rng.js';
import { toHex } from '../src/util/bytes.js';
import { parseMetainfo } from '../src/codecs/metainfo/index.js';
import { createTorrent } from '../src/engines/create/create.js';
import { printReport, type Row } from './lib/report.js';

const MiB = 1024 * 1024;
const SIZE = Number(process.env.STREAM_BENCH_MIB ?? 200) * MiB;
const PIECE = 256 * 1024;
const RATES = [2 * MiB, 2 * MiB, 2 * MiB, 256 * 1024, 256 * 1024];
const SEEKS = 10;
const LEECH_TIMEOUT_MS = Number(process.env.STREAM_BENCH_TIMEOUT_S ?? 300) * 1000;
/** Which leechers run (default all): torrentkit,webtorrent,libtorrent. */
const CLIENTS = (process.env.STREAM_BENCH_CLIENTS ?? 'torrentkit,webtorrent,libtorrent').split(',');

interface Result {
  firstMiB: number;
  seeks: number[];
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
}

function leech(cmd: string, args: string[]): Result | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: LEECH_TIMEOUT_MS, maxBuffer: 16 * MiB });
  const line = r.stdout?.split('\n').find((l) => l.startsWith('{'));
  if (r.status !== 0 || !line) {
    console.error(`${args.at(-4) ?? cmd} failed (status ${r.status}): ${r.stderr?.slice(-2000)} ${r.stdout?.slice(-2000)}`);
    return undefined;
  }
  if (process.env.STREAM_BENCH_DEBUG) console.error(line);
  return JSON.parse(line) as Result;
}

const dir = mkdtempSync(join(tmpdir(), 'tk-stream-bench-'));
try {
  const data = join(dir, 'seed', 'film');
  mkdirSync(data, { recursive: true });
  const file = join(data, 'film.mp4');
  const chunks: Buffer[] = [];
  for (let n = 0; n < SIZE; n += 16 * MiB) chunks.push(randomBytes(Math.min(16 * MiB, SIZE - n)));
  writeFileSync(file, Buffer.concat(chunks));
  chunks.length = 0;
  const hasher = new HashPool({ threads: 2 });
  const { torrent } = await createTorrent({ input: data, pieceLength: PIECE, version: 'v1' }, { source: new NodeContentSource(), hasher });
  await hasher.close();
  const meta = parseMetainfo(torrent);
  const torrentPath = join(dir, 'film.torrent');
  writeFileSync(torrentPath, torrent);

  const seeders = spawn(process.execPath, ['--import', 'tsx', 'bench/lib/stream/seeders.ts', torrentPath, join(dir, 'seed'), RATES.join(',')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const peers = await new Promise<string[]>((resolve, reject) => {
    let out = '';
    seeders.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { peers: string[] }).peers);
    });
    seeders.once('exit', (code) => reject(new Error(`seeders exited with ${code}`)));
  });
  const magnet = `magnet:?xt=urn:btih:${toHex(meta.id)}&dn=film${peers.map((p) => `&x.pe=${p}`).join('')}`;
  const rng = new SeededRng(20261121);
  const fileLength = meta.files[0].length;
  const offsets = Array.from({ length: SEEKS }, () => Math.floor(rng.random() * (fileLength - MiB)));
  const offsetsJson = JSON.stringify(offsets);

  const run = (name: string, cmd: string, args: string[]) => (CLIENTS.includes(name) ? leech(cmd, args) : undefined);
  const ours = run('torrentkit', process.execPath, ['--import', 'tsx', 'bench/lib/stream/leech-torrentkit.ts', magnet, join(dir, 'tk'), offsetsJson]);
  const wt = run('webtorrent', process.execPath, ['--import', 'tsx', 'bench/lib/stream/leech-webtorrent.ts', magnet, join(dir, 'wt'), offsetsJson]);
  const lt = run('libtorrent', '/usr/bin/python3', ['bench/lib/stream/leech_libtorrent.py', magnet, join(dir, 'lt'), offsetsJson]);
  seeders.stdin.end();
  await new Promise((r) => seeders.once('exit', r));

  if (!ours) throw new Error('torrentkit leecher failed (or not run)');
  const sec = (ms: number) => ms / 1000;
  const rows: Row[] = [];
  for (const [anchor, theirs] of [
    ['webtorrent', wt],
    ['libtorrent', lt],
  ] as const) {
    rows.push(
      { metric: 'magnet added -> first 1 MiB', unit: 's', ours: sec(ours.firstMiB), anchor, theirs: theirs && sec(theirs.firstMiB), higherIsBetter: false },
      { metric: '1 MiB after a seek, p50', unit: 's', ours: sec(quantile(ours.seeks, 0.5)), anchor, theirs: theirs && sec(quantile(theirs.seeks, 0.5)), higherIsBetter: false },
      {
        metric: '1 MiB after a seek, p95',
        unit: 's',
        ours: sec(quantile(ours.seeks, 0.95)),
        anchor,
        theirs: theirs && sec(quantile(theirs.seeks, 0.95)),
        higherIsBetter: false,
        goal: anchor === 'webtorrent' ? { ratio: 2, text: '<= 1/2' } : { ratio: 1, text: '<= 1x' },
      },
    );
  }
  printReport(`stream: ${SIZE / MiB} MiB, 256 KiB pieces, seeders 3 x 2 MiB/s + 2 x 256 KiB/s, ${SEEKS} seeks`, rows);
  const fmt = (r: Result | undefined) => (r ? r.seeks.map((s) => (s / 1000).toFixed(2)).join(' ') : 'n/a');
  console.log(`seek times (s): torrentkit ${fmt(ours)} | webtorrent ${fmt(wt)} | libtorrent ${fmt(lt)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
