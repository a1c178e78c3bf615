/**
 * Peer wire throughput, torrentkit against bittorrent-protocol (WebTorrent's wire, npm) in the
 * same run:
 * 1. decoding: a stream of piece messages (16 KiB blocks, a `have` after each piece) cut into
 *    64 KiB chunks as TCP hands them over, fed to each decoder; MB/s of block payload;
 * 2. loopback TCP: a seeder wire answers a leecher wire's requests (64 outstanding) for
 *    WIRE_BENCH_MIB (default 512) MiB; MB/s of payload received.
 * Each figure is the best of three alternating runs after a warm-up.
 * Usage: npm run bench -- wire
 */
import { createHash } from 'node:crypto';
import { createServer, connect, type Socket } from 'node:net';
import BtWire from 'bittorrent-protocol';
import { systemClock } from '../src/adapters/node/clock.js';
import { cryptoRng } from '../src/adapters/node/rng.js';
import { tcpTransport } from '../src/adapters/node/tcp.js';
import { BLOCK_SIZE, encodeHandshake, encodeHave, encodePieceHeader, generatePeerId, WireDecoder } from '../src/codecs/wire/index.js';
import { Wire } from '../src/engines/wire/index.js';
import type { StreamConnection } from '../src/ports/transport.js';
import { concatBytes, toHex } from '../src/util/bytes.js';
import type { InfoHash } from '../src/util/units.js';
import { printReport, type Row } from './lib/report.js';

const PIECE = 256 * 1024;
const MIB = Number(process.env.WIRE_BENCH_MIB ?? 512);
const OUTSTANDING = 64;
const infoHash = cryptoRng.bytes(20) as InfoHash;
const block = cryptoRng.bytes(BLOCK_SIZE);

function decodeStream(): { chunks: Uint8Array[]; payload: number } {
  const parts: Uint8Array[] = [];
  let payload = 0;
  for (let p = 0; p < 64; p++) {
    for (let b = 0; b < PIECE / BLOCK_SIZE; b++) {
      parts.push(encodePieceHeader(p, b * BLOCK_SIZE, BLOCK_SIZE), block);
      payload += BLOCK_SIZE;
    }
    parts.push(encodeHave(p));
  }
  const all = concatBytes(parts);
  const chunks: Uint8Array[] = [];
  for (let o = 0; o < all.length; o += 65536) chunks.push(all.subarray(o, o + 65536));
  return { chunks, payload };
}

async function benchDecode(rounds: number): Promise<{ ours: number; theirs: number }> {
  const { chunks, payload } = decodeStream();
  const hs = encodeHandshake(infoHash, generatePeerId(cryptoRng), { fast: true, extended: true });
  let got = 0;
  let t = performance.now();
  for (let r = 0; r < rounds; r++) {
    const d = new WireDecoder({ message: (m) => { if (m.type === 'piece') got += m.block.length; } }, { pieceCount: 64 });
    d.push(hs);
    for (const c of chunks) d.push(c);
  }
  const ours = (payload * rounds) / 1e6 / ((performance.now() - t) / 1000);
  if (got !== payload * rounds) throw new Error('ours: lost blocks');
  got = 0;
  t = performance.now();
  for (let r = 0; r < rounds; r++) {
    const w = new BtWire();
    w.on('piece', (_i: number, _o: number, buf: Uint8Array) => (got += buf.length));
    w.on('error', () => {});
    w.write(hs);
    for (const c of chunks) w.write(c);
    await new Promise((res) => setImmediate(res));
    w.destroy();
  }
  const theirs = (payload * rounds) / 1e6 / ((performance.now() - t) / 1000);
  if (got !== payload * rounds) throw new Error(`theirs: lost blocks ${got}`);
  return { ours, theirs };
}

const totalBlocks = (MIB * 1024 * 1024) / BLOCK_SIZE;
const blocksPerPiece = PIECE / BLOCK_SIZE;

async function tcpOurs(): Promise<number> {
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const listener = await tcpTransport.listen({ host: '127.0.0.1', port: 0 }, (conn: StreamConnection) => {
    const w = new Wire(conn, { clock: systemClock }, { direction: 'incoming', peerId: generatePeerId(cryptoRng), acceptInfoHash: () => true });
    const queue: Array<{ index: number; begin: number }> = [];
    const pump = () => {
      while (queue.length && w.writable) {
        const r = queue.shift()!;
        w.piece(r.index, r.begin, block);
      }
    };
    w.on('handshake', () => w.haveAll());
    w.on('interested', () => w.unchoke());
    w.on('request', (r) => {
      queue.push(r);
      pump();
    });
    w.on('drain', pump);
    w.start();
  });
  const conn = await tcpTransport.connect({ host: '127.0.0.1', port: listener.port });
  const w = new Wire(conn, { clock: systemClock }, { direction: 'outgoing', peerId: generatePeerId(cryptoRng), infoHash });
  let next = 0;
  let got = 0;
  const fill = () => {
    while (next < totalBlocks && w.outstandingRequests < OUTSTANDING) {
      w.request(Math.floor(next / blocksPerPiece), (next % blocksPerPiece) * BLOCK_SIZE, BLOCK_SIZE);
      next++;
    }
  };
  w.on('haveAll', () => w.interested());
  w.on('unchoke', fill);
  w.on('piece', (p) => {
    got += p.block.length;
    if (got === totalBlocks * BLOCK_SIZE) done();
    else fill();
  });
  const t = performance.now();
  w.start();
  await finished;
  const mbs = (got / 1e6) / ((performance.now() - t) / 1000);
  w.close();
  await listener.close();
  return mbs;
}

async function tcpTheirs(): Promise<number> {
  const peerId = toHex(generatePeerId(cryptoRng));
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.setNoDelay(true);
    const w = new BtWire();
    socket.pipe(w).pipe(socket);
    w.on('error', () => {});
    w.on('handshake', (ih: string) => w.handshake(ih, peerId, { dht: false }));
    w.on('interested', () => w.unchoke());
    w.on('request', (_i: number, _o: number, _l: number, respond: (err: Error | null, b?: Uint8Array) => void) => respond(null, block));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  const w = new BtWire();
  socket.pipe(w).pipe(socket);
  w.on('error', () => {});
  let next = 0;
  let got = 0;
  let outstanding = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const fill = () => {
    while (next < totalBlocks && outstanding < OUTSTANDING) {
      outstanding++;
      w.request(Math.floor(next / blocksPerPiece), (next % blocksPerPiece) * BLOCK_SIZE, BLOCK_SIZE, (err, b) => {
        outstanding--;
        if (err) throw err;
        got += b!.length;
        if (got === totalBlocks * BLOCK_SIZE) done();
        else fill();
      });
      next++;
    }
  };
  w.on('unchoke', fill);
  const t = performance.now();
  w.handshake(toHex(infoHash), toHex(generatePeerId(cryptoRng)), { dht: false });
  w.interested();
  await finished;
  const mbs = (got / 1e6) / ((performance.now() - t) / 1000);
  w.destroy();
  socket.destroy();
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
  return mbs;
}

// Warm-up, then the best of alternating runs (the machine is shared: take each side's best).
await benchDecode(2);
let decode = { ours: 0, theirs: 0 };
let ours = 0;
let theirs = 0;
for (let i = 0; i < 3; i++) {
  const d = await benchDecode(16);
  decode = { ours: Math.max(decode.ours, d.ours), theirs: Math.max(decode.theirs, d.theirs) };
  ours = Math.max(ours, await tcpOurs());
  theirs = Math.max(theirs, await tcpTheirs());
}
// Keep the block's hash in the output so the runs can be told apart in logs.
console.log(`block sha1 ${createHash('sha1').update(block).digest('hex').slice(0, 8)}, ${MIB} MiB over TCP`);
const rows: Row[] = [
  { metric: 'decode piece messages (64 KiB chunks)', unit: 'MB/s', ours: decode.ours, anchor: 'bittorrent-protocol', theirs: decode.theirs, higherIsBetter: true },
  { metric: `loopback TCP, ${MIB} MiB, ${OUTSTANDING} requests out`, unit: 'MB/s', ours, anchor: 'bittorrent-protocol', theirs, higherIsBetter: true },
];
printReport('peer wire', rows);
