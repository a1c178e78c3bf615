/**
 * Interop with a real libtorrent 2.0 seeder (python3-libtorrent, DHT/LSD/UPnP/NAT-PMP/PEX off,
 * on loopback): our Wire handshakes with it both ways (we dial it; it dials us), negotiates BEP 6
 * and BEP 10, and downloads whole pieces block by block whose SHA-1 must match the torrent's; a
 * ut_metadata extension plugged into the registry fetches its info dictionary (BEP 9).
 */
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { systemClock } from '../../src/adapters/node/clock.js';
import { cryptoRng } from '../../src/adapters/node/rng.js';
import { tcpTransport } from '../../src/adapters/node/tcp.js';
import { BLOCK_SIZE, generatePeerId, parsePeerId } from '../../src/codecs/wire/index.js';
import { Wire, type WireEvents } from '../../src/engines/wire/index.js';
import type { StreamConnection } from '../../src/ports/transport.js';
import { equalBytes, fromHex, toHex } from '../../src/util/bytes.js';
import type { InfoHash } from '../../src/util/units.js';
import { PYTHON, requireLibtorrent, tempDir } from '../helpers/tools.js';
import { TestUtMetadata } from '../helpers/ut-metadata-ext.js';
import { sha1 } from '../../src/util/sha.js';

const PIECE_LENGTH = 256 * 1024;
const FILE_LENGTH = 3 * PIECE_LENGTH + 12_345; // a short last piece
const WAIT_MS = 20_000;

interface Ready {
  port: number;
  info_hash: string;
  piece_hashes: string[];
}

async function startSeeder(t: TestContext) {
  const dir = tempDir(t, 'tk-wire-lt-');
  const data = new Uint8Array(randomBytes(FILE_LENGTH));
  writeFileSync(join(dir, 'payload.bin'), data);
  const proc: ChildProcessWithoutNullStreams = spawn(
    PYTHON,
    [join(import.meta.dirname, 'fixtures/lt_seed.py'), dir, 'payload.bin', String(PIECE_LENGTH), '127.0.0.1'],
    { stdio: 'pipe' },
  );
  let log = '';
  proc.stderr.on('data', (d) => (log += String(d)));
  t.after(async () => {
    if (proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.stdin.end(`${JSON.stringify({ cmd: 'quit' })}\n`);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  });
  const ready = await new Promise<Ready>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`libtorrent seeder not ready\n${log}`)), 60_000);
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      const ev = JSON.parse(buf.slice(0, nl)) as Ready & { ev: string; message?: string };
      if (ev.ev === 'ready') resolve(ev);
      else reject(new Error(`libtorrent: ${ev.message}\n${log}`));
    });
    proc.once('exit', (code) => reject(new Error(`libtorrent exited with ${code}\n${log}`)));
  });
  return { data, ready, command: (c: Record<string, unknown>) => proc.stdin.write(`${JSON.stringify(c)}\n`) };
}

function next<K extends keyof WireEvents>(wire: Wire, event: K): Promise<WireEvents[K]> {
  return Promise.race([
    wire.next(event, { signal: AbortSignal.timeout(WAIT_MS) }),
    wire.next('close').then(([c]) => {
      throw new Error(`wire closed (${c.reason}${c.error ? `: ${c.error.message}` : ''}) while waiting for ${String(event)}`);
    }),
  ]);
}

/** Downloads piece `index` block by block and returns it. */
async function downloadPiece(wire: Wire, index: number, length: number): Promise<Uint8Array> {
  const piece = new Uint8Array(length);
  let got = 0;
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`piece ${index} incomplete: ${got}/${length} bytes`)), WAIT_MS);
    wire.on('piece', (p) => {
      if (p.index !== index || !p.requested) return;
      piece.set(p.block, p.begin);
      got += p.block.length;
      if (got === length) {
        clearTimeout(timer);
        resolve();
      }
    });
    wire.on('reject', (r) => reject(new Error(`libtorrent rejected ${r.index}/${r.begin}`)));
    wire.on('close', (c) => reject(new Error(`wire closed: ${c.reason} ${c.error?.message ?? ''}`)));
  });
  for (let begin = 0; begin < length; begin += BLOCK_SIZE) {
    assert.equal(wire.request(index, begin, Math.min(BLOCK_SIZE, length - begin)), true);
  }
  await done;
  return piece;
}

async function exercise(wire: Wire, seeder: Awaited<ReturnType<typeof startSeeder>>, inHandshake = false) {
  const { ready, data } = seeder;
  // Listen before any byte arrives: libtorrent sends handshake, have-all and its extension
  // handshake back to back, so they are emitted within one chunk. When called from the
  // `handshake` event itself, the handshake is already in `wire.remote`.
  const hsP = inHandshake ? Promise.resolve([wire.remote!] as const) : next(wire, 'handshake');
  const extP = next(wire, 'extendedHandshake');
  const haveAllP = next(wire, 'haveAll');
  const [[hs], [ext]] = await Promise.all([hsP, extP]);
  assert.equal(toHex(hs.infoHash), ready.info_hash);
  assert.deepEqual(parsePeerId(hs.peerId)?.name, 'libtorrent');
  assert.equal(hs.flags.fast, true, 'libtorrent sets the BEP 6 bit');
  assert.equal(hs.flags.extended, true, 'libtorrent sets the BEP 10 bit');
  assert.equal(wire.fastExtension && wire.extensionProtocol, true);
  assert.match(ext.v ?? '', /libtorrent/i);
  assert.ok((ext.m.ut_metadata ?? 0) > 0, 'libtorrent offers ut_metadata (BEP 9)');
  assert.ok(ext.metadataSize !== undefined && ext.metadataSize > 0);
  assert.ok((ext.reqq ?? 0) > 0);
  assert.deepEqual(ext.yourip && [...ext.yourip], [127, 0, 0, 2], 'libtorrent saw us on 127.0.0.2');

  // A seed with BEP 6 announces have-all; we tell it we have nothing, then ask.
  await haveAllP;
  wire.haveNone();
  const unchoked = next(wire, 'unchoke');
  wire.interested();
  await unchoked;
  const pieces = Math.ceil(FILE_LENGTH / PIECE_LENGTH);
  for (const index of [1, pieces - 1]) {
    const length = Math.min(PIECE_LENGTH, FILE_LENGTH - index * PIECE_LENGTH);
    const piece = await downloadPiece(wire, index, length);
    const sha = createHash('sha1').update(piece).digest();
    assert.equal(sha.toString('hex'), ready.piece_hashes[index], `piece ${index} matches libtorrent's hash`);
    assert.ok(equalBytes(piece, data.subarray(index * PIECE_LENGTH, index * PIECE_LENGTH + length)));
  }
  assert.equal(wire.outstandingRequests, 0);
  assert.ok(wire.stats.payloadReceived >= PIECE_LENGTH);
}

test('libtorrent seeder: we dial it, handshake (BEP 3/6/10) and fetch pieces', { timeout: 120_000 }, async (t) => {
  if (!requireLibtorrent(t)) return;
  const seeder = await startSeeder(t);
  const infoHash = fromHex(seeder.ready.info_hash) as InfoHash;
  const conn = await tcpTransport.connect({ host: '127.0.0.1', port: seeder.ready.port, localAddress: '127.0.0.2', timeoutMs: 5000 });
  const wire = new Wire(conn, { clock: systemClock }, {
    direction: 'outgoing',
    peerId: generatePeerId(cryptoRng),
    infoHash,
    pieceCount: seeder.ready.piece_hashes.length,
  });
  t.after(() => wire.destroy());
  // A BEP 9 extension through the registry: fetch libtorrent's info dictionary.
  const utMetadata = wire.use((w) => new TestUtMetadata(w));
  const checks = exercise(wire, seeder);
  wire.start();
  await checks;
  const info = await utMetadata.fetched;
  assert.equal(toHex(sha1(info)), seeder.ready.info_hash, 'ut_metadata from libtorrent hashes to the info hash');
  const closed = next(wire, 'close');
  wire.close();
  assert.equal((await closed)[0].reason, 'local');
});

test('libtorrent seeder: it dials us, our incoming wire accepts its info hash and fetches pieces', { timeout: 120_000 }, async (t) => {
  if (!requireLibtorrent(t)) return;
  const seeder = await startSeeder(t);
  const infoHash = fromHex(seeder.ready.info_hash);
  let resolveWire!: (w: Wire) => void;
  const incoming = new Promise<Wire>((r) => (resolveWire = r));
  let checks: Promise<void> | undefined;
  const refused: string[] = [];
  const listener = await tcpTransport.listen({ host: '127.0.0.2', port: 0 }, (conn: StreamConnection) => {
    const wire = new Wire(conn, { clock: systemClock }, {
      direction: 'incoming',
      peerId: generatePeerId(cryptoRng),
      acceptInfoHash: (ih) => equalBytes(ih, infoHash),
      pieceCount: seeder.ready.piece_hashes.length,
    });
    // libtorrent first tries an MSE/PE-encrypted connection, which we refuse on its first bytes;
    // it then retries in plaintext.
    wire.on('close', (c) => refused.push((c.error as { code?: string } | undefined)?.code ?? c.reason));
    wire.on('handshake', () => {
      checks = exercise(wire, seeder, true);
      resolveWire(wire);
    });
    wire.start();
  });
  t.after(() => listener.close());
  seeder.command({ cmd: 'connect', host: '127.0.0.2', port: listener.port });
  const wire = await Promise.race([
    incoming,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('libtorrent did not connect')), WAIT_MS).unref()),
  ]);
  t.after(() => wire.destroy());
  await checks;
  assert.equal(wire.conn.remoteAddress, '127.0.0.1');
  assert.ok(refused.every((r) => r === 'BT_ERR_WIRE_BAD_PROTOCOL'), `refused: ${refused}`);
});
