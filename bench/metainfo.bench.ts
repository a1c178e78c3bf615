/**
 * Metainfo parsing: torrentkit's parseMetainfo against libtorrent's `torrent_info` (C++, through
 * python3-libtorrent, timed inside Python so process start-up is not counted) on the same bytes:
 * a v1 torrent with 10,000 files, a v1 torrent with 200,000 pieces (4 MB `pieces` string), and a
 * hybrid torrent with 300 files and piece layers (v2 merkle checks). Each is parsed with the
 * default pure TypeScript hashes and with node:crypto's (what the CLI uses).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeDigests } from '../src/adapters/node/digests.js';
import { type ParseMetainfoOptions, parseMetainfo } from '../src/codecs/metainfo/index.js';
import { buildTorrent, bytesOf } from '../test/helpers/torrents.js';
import { printReport, type Row } from './lib/report.js';

const PYTHON = '/usr/bin/python3';
const MIN_MS = 1500;

function timeOurs(bytes: Uint8Array, options?: ParseMetainfoOptions): number {
  for (let i = 0; i < 3; i++) parseMetainfo(bytes, options);
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < MIN_MS || n < 5) {
    parseMetainfo(bytes, options);
    n++;
  }
  return (performance.now() - start) / n;
}

const SCRIPT = String.raw`
import sys, time, json
import libtorrent as lt
out = {}
for path in sys.argv[1:]:
    data = open(path, 'rb').read()
    for _ in range(3): lt.torrent_info(data)
    n = 0
    start = time.perf_counter()
    while time.perf_counter() - start < ${MIN_MS / 1000} or n < 5:
        lt.torrent_info(data)
        n += 1
    out[path] = (time.perf_counter() - start) * 1000 / n
print(json.dumps(out))
`;

function timeLibtorrent(paths: string[]): Record<string, number> | undefined {
  const r = spawnSync(PYTHON, ['-c', SCRIPT, ...paths], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) {
    console.error(`libtorrent anchor unavailable: ${r.stderr.trim().split('\n').pop()}`);
    return undefined;
  }
  return JSON.parse(r.stdout);
}

const cases: [string, () => Uint8Array][] = [
  [
    'v1, 10,000 files in 100 folders',
    () => buildTorrent(Array.from({ length: 10_000 }, (_, i) => ({ path: [`folder ${i % 100}`, `file number ${i}.dat`], data: bytesOf(1000 + (i % 7), i) })), { pieceLength: 65536 }),
  ],
  [
    'v1, 200,000 pieces (4 MB pieces string)',
    () =>
      buildTorrent([{ path: ['x'], data: bytesOf(10) }], {
        single: true,
        pieceLength: 16384,
        editInfo: (info) => {
          info.length = 200_000 * 16384;
          info.pieces = bytesOf(200_000 * 20, 9);
        },
      }),
  ],
  [
    'hybrid, 300 files, piece layers',
    () => buildTorrent(Array.from({ length: 300 }, (_, i) => ({ path: ['d', `f${i}`], data: bytesOf(40_000 + i, i) })), { version: 'hybrid', pieceLength: 16384 }),
  ],
];

const dir = mkdtempSync(join(tmpdir(), 'tk-bench-meta-'));
try {
  const inputs = cases.map(([name, make], i) => {
    const bytes = make();
    const path = join(dir, `${i}.torrent`);
    writeFileSync(path, bytes);
    return { name, bytes, path };
  });
  const theirs = timeLibtorrent(inputs.map((x) => x.path));
  const rows: Row[] = inputs.flatMap(({ name, bytes, path }) =>
    (
      [
        ['pure TS hashes', undefined],
        ['node:crypto hashes', { digests: nodeDigests }],
      ] as const
    ).map(([label, options]) => ({
      metric: `parse ${name} (${(bytes.length / 1e6).toFixed(2)} MB), ${label}`,
      unit: 'ms',
      ours: timeOurs(bytes, options),
      anchor: 'libtorrent torrent_info',
      theirs: theirs?.[path],
      higherIsBetter: false,
    })),
  );
  printReport('metainfo parsing', rows);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
