/**
 * bencode decode and encode, torrentkit against the `bencode` npm package (WebTorrent's), on the
 * same inputs: a torrent with a very long pieces string and one with 10,000 files. Goal: at least
 * 2x faster. Each library encodes the value its own decoder produced.
 *
 * Encoding is measured three ways, each against the closest thing `bencode` offers:
 * - into a new buffer (`encode` vs `bencode.encode(v)`): both allocate the output once and copy
 *   the pieces string into it once, so for the long pieces string both are bound by that
 *   allocation and copy;
 * - into a buffer the caller already has (`encodeInto` vs `bencode.encode(v, buffer, 0)`);
 * - as chunks that list large byte strings instead of copying them (`encodeChunks`, what
 *   `torrentkit create` writes with writev) vs `bencode.encode(v)`, which has no such mode.
 */
import bencode from 'bencode';
import { randomBytes } from 'node:crypto';
import { decode, encode, encodeChunks, encodeInto, encodingLength } from '../src/codecs/bencode/index.js';
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
  const target = new Uint8Array(encodingLength(ours));
  const theirTarget = new Uint8Array(target.length);
  const { ours: iOurs, theirs: iTheirs } = compare(() => encodeInto(ours, target), () => bencode.encode(theirs, theirTarget, 0));
  if (Buffer.compare(target, Buffer.from(input)) !== 0 || Buffer.compare(theirTarget, Buffer.from(input)) !== 0) throw new Error('encode into a buffer differs');
  const { ours: cOurs, theirs: cTheirs } = compare(() => encodeChunks(ours), () => bencode.encode(theirs));
  const goal = { ratio: 2, text: '>= 2x' };
  const rate = (ms: number) => mb / (ms / 1000);
  rows.push(
    { metric: `decode ${label} (${mb.toFixed(2)} MB)`, unit: 'MB/s', ours: rate(dOurs), anchor: 'bencode 4.0.1', theirs: rate(dTheirs), higherIsBetter: true, goal },
    { metric: `encode ${label}, into a new buffer`, unit: 'MB/s', ours: rate(eOurs), anchor: 'bencode 4.0.1', theirs: rate(eTheirs), higherIsBetter: true, goal },
    { metric: `encode ${label}, into the caller's buffer`, unit: 'MB/s', ours: rate(iOurs), anchor: 'bencode.encode(v, buf, 0)', theirs: rate(iTheirs), higherIsBetter: true, goal },
    { metric: `encode ${label}, as chunks (encodeChunks)`, unit: 'MB/s', ours: rate(cOurs), anchor: 'bencode.encode(v)', theirs: rate(cTheirs), higherIsBetter: true, goal },
  );
}
printReport('bencode (torrentkit vs the bencode npm package)', rows);
