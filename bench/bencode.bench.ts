/**
 * bencode decode and encode, torrentkit against the `bencode` npm package (WebTorrent's), on the
 * same inputs: a torrent with a very long pieces string and one with 10,000 files. Goal: at least
 * 2x faster. Each library encodes the value its own decoder produced.
 */
import bencode from 'bencode';
import { randomBytes } from 'node:crypto';
import { decode, encode } from '../src/codecs/bencode/index.js';
import { printReport, type Row } from './lib/report.js';
import { compare } from './lib/timing.js';

function longPieces(): Uint8Array {
  // 200,000 pieces: a 50 GiB torrent at 256 KiB, 4 MB of piece hashes.
  return encode({
    announce: 'http://tracker.example/announce',
    'created by': 'bench',
    'creation date': 1_700_000_000,
    info: { length: 200_000 * 262_144, name: 'big.iso', 'piece length': 262_144, pieces: randomBytes(200_000 * 20) },
  });
}

function manyFiles(): Uint8Array {
  const files = [];
  for (let i = 0; i < 10_000; i++) {
    files.push({ length: 1000 + i * 37, path: ['folder ' + (i % 50), `sub ${i % 7}`, `file number ${i}.dat`] });
  }
  return encode({
    announce: 'http://tracker.example/announce',
    'announce-list': [['http://tracker.example/announce'], ['udp://tracker.example:1337']],
    info: { files, name: 'many files', 'piece length': 262_144, pieces: randomBytes(2_000 * 20) },
  });
}

const rows: Row[] = [];
for (const [label, input] of [
  ['torrent with a 4 MB pieces string', longPieces()],
  ['torrent with 10,000 files', manyFiles()],
] as const) {
  const mb = input.length / 1e6;
  const ours = decode(input);
  const theirs = bencode.decode(input);
  // Sanity: both encoders give back the input (it is canonical).
  if (Buffer.compare(Buffer.from(encode(ours)), Buffer.from(input)) !== 0) throw new Error('our round trip differs');
  if (Buffer.compare(Buffer.from(bencode.encode(theirs)), Buffer.from(input)) !== 0) throw new Error('bencode round trip differs');
  const { ours: dOurs, theirs: dTheirs } = compare(() => decode(input), () => bencode.decode(input));
  const { ours: eOurs, theirs: eTheirs } = compare(() => encode(ours), () => bencode.encode(theirs));
  const goal = { ratio: 2, text: '>= 2x' };
  rows.push(
    { metric: `decode ${label} (${mb.toFixed(2)} MB)`, unit: 'MB/s', ours: mb / (dOurs / 1000), anchor: 'bencode 4.0.1', theirs: mb / (dTheirs / 1000), higherIsBetter: true, goal },
    { metric: `encode ${label}`, unit: 'MB/s', ours: mb / (eOurs / 1000), anchor: 'bencode 4.0.1', theirs: mb / (eTheirs / 1000), higherIsBetter: true, goal },
  );
}
printReport('bencode (torrentkit vs the bencode npm package)', rows);
