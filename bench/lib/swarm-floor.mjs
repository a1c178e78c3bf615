/**
 * The floor of a swarm for any Node program on this machine: the swarm bench's byte flows with no
 * BitTorrent logic at all. One process per peer, as in the real swarms. The seeder sends piece i
 * to leecher i % n only; that leecher relays it to the n - 1 others. There are no requests,
 * haves, choking or picking. Blocks are 16 KiB behind 13-byte piece-message headers (BEP 3).
 * Each piece is assembled into its own buffer, checked against the torrent's SHA-1 and written
 * with one positional write, as a real client does. Of torrentkit's code (from dist/) it uses only
 * the metainfo parser and the piece-message header encoder.
 *
 *   node swarm-floor.mjs seed  <torrent> <data file> <bind address> <leechers>
 *     prints "listening <port>"
 *   node swarm-floor.mjs leech <torrent> <out file> <k> <leechers> <seed host:port> <port>
 *     listens on 127.0.0.(10 + k):<port>, prints "done" once every piece is checked and written,
 *     then relays until its stdin closes or it gets SIGTERM.
 * Every connection attempt and wait is bounded.
 */
import { createHash } from 'node:crypto';
import { openSync, readFileSync, readSync, write } from 'node:fs';
import { connect, createServer } from 'node:net';
import { parseMetainfo } from '../../dist/src/codecs/metainfo/index.js';
import { encodePieceHeader } from '../../dist/src/codecs/wire/index.js';

const BLOCK = 16384;
const [mode, torrentPath, filePath, ...rest] = process.argv.slice(2);
const { pieceLength, totalLength: length, pieceCount, pieces: hashes } = parseMetainfo(readFileSync(torrentPath));
const sizeOf = (i) => Math.min(pieceLength, length - i * pieceLength);
process.stdin.on('end', () => process.exit(0)).resume();
process.on('SIGTERM', () => process.exit(0));

/** Sends queued pieces as block messages under the socket's backpressure. */
function sender(socket, source, sent = () => {}) {
  const queue = [];
  let piece = -1;
  let begin = 0;
  let buf = null;
  const pump = () => {
    for (;;) {
      if (piece < 0) {
        if (queue.length === 0) return;
        piece = queue.shift();
        buf = source(piece);
        begin = 0;
      }
      const len = Math.min(BLOCK, buf.length - begin);
      const head = encodePieceHeader(piece, begin, len);
      const last = begin + len >= buf.length;
      const p = piece;
      socket.cork();
      socket.write(head);
      // A queued write holds the piece's memory until the kernel has it: release after the last.
      const ok = socket.write(buf.subarray(begin, begin + len), last ? () => sent(p) : undefined);
      socket.uncork();
      begin += len;
      if (last) piece = -1;
      if (!ok) return;
    }
  };
  socket.on('drain', pump);
  return (i) => {
    queue.push(i);
    if (queue.length === 1 && piece < 0) pump();
  };
}

if (mode === 'seed') {
  const [bind, n] = rest;
  const fd = openSync(filePath, 'r');
  const read = (i) => {
    const b = Buffer.allocUnsafe(sizeOf(i));
    readSync(fd, b, 0, b.length, i * pieceLength);
    return b;
  };
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.once('data', (hello) => {
      const k = hello[0];
      const send = sender(socket, read);
      for (let i = k; i < pieceCount; i += Number(n)) send(i);
    });
    socket.on('error', () => {});
  });
  server.listen(0, bind, () => console.log(`listening ${server.address().port}`));
} else if (mode === 'leech') {
  const [kArg, nArg, seedAddr, portArg] = rest;
  const k = Number(kArg);
  const n = Number(nArg);
  const port = Number(portArg);
  const fd = openSync(filePath, 'w');
  const pieces = new Array(pieceCount).fill(null);
  const have = new Uint32Array(pieceCount);
  /** Holders of each piece buffer: its write, plus one per relay for this leecher's own pieces. */
  const holds = new Uint8Array(pieceCount);
  let done = 0;
  const relays = [];
  // Freed piece buffers are reused: fresh 256 KiB allocations would cost a page fault per page.
  const free = [];
  const release = (i) => {
    if (--holds[i] > 0) return;
    if (pieces[i].length === pieceLength) free.push(pieces[i]);
    pieces[i] = null;
  };

  const complete = (i) => {
    const buf = pieces[i];
    const ok = createHash('sha1').update(buf).digest().equals(hashes.subarray(i * 20, i * 20 + 20));
    if (!ok) throw new Error(`piece ${i} failed its hash`);
    holds[i] = 1 + (i % n === k ? relays.length : 0);
    write(fd, buf, 0, buf.length, i * pieceLength, (err) => {
      if (err) throw err;
      release(i);
      if (++done === pieceCount) console.log('done');
    });
    if (i % n === k) for (const r of relays) r(i);
  };

  /** Parses block messages from one incoming connection into the piece buffers. */
  const receive = (socket) => {
    const head = Buffer.alloc(13);
    let headGot = 0;
    let piece = 0;
    let at = 0;
    let left = 0;
    socket.on('data', (chunk) => {
      let off = 0;
      while (off < chunk.length) {
        if (left === 0) {
          const take = Math.min(13 - headGot, chunk.length - off);
          chunk.copy(head, headGot, off, off + take);
          headGot += take;
          off += take;
          if (headGot < 13) return;
          headGot = 0;
          left = head.readUInt32BE(0) - 9;
          piece = head.readUInt32BE(5);
          at = head.readUInt32BE(9);
          if (pieces[piece] === null) {
            const size = sizeOf(piece);
            pieces[piece] = size === pieceLength && free.length > 0 ? free.pop() : Buffer.allocUnsafe(size);
          }
          continue;
        }
        const take = Math.min(left, chunk.length - off);
        chunk.copy(pieces[piece], at, off, off + take);
        at += take;
        off += take;
        left -= take;
        have[piece] += take;
        if (left === 0 && have[piece] === pieces[piece].length) complete(piece);
      }
    });
    socket.on('error', () => {});
  };

  const server = createServer((socket) => {
    socket.setNoDelay(true);
    receive(socket);
  });
  // Pieces flow from the seeder once every relay connection is up, so each own piece reaches all.
  const fromSeeder = () => {
    const [host, seedPort] = seedAddr.split(':');
    const s = connect({ host, port: Number(seedPort), localAddress: `127.0.0.${10 + k}` }, () => s.write(Buffer.of(k)));
    s.setNoDelay(true);
    receive(s);
  };
  server.listen(port, `127.0.0.${10 + k}`, () => {
    if (n === 1) fromSeeder();
    for (let j = 0; j < n; j++) {
      if (j === k) continue;
      // The others start at about the same time: retry a refused connection, 200 times at most.
      const dial = (attempt) => {
        const c = connect({ host: `127.0.0.${10 + j}`, port, localAddress: `127.0.0.${10 + k}` });
        c.setNoDelay(true);
        let up = false;
        c.once('connect', () => {
          up = true;
          relays.push(sender(c, (i) => pieces[i], release));
          if (relays.length === n - 1) fromSeeder();
        });
        c.on('error', () => {
          if (!up && attempt < 200) setTimeout(() => dial(attempt + 1), 10);
        });
      };
      dial(0);
    }
  });
} else {
  console.error('usage: swarm-floor.mjs seed|leech ...');
  process.exit(2);
}
