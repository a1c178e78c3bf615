import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRng } from '../../adapters/testing/seeded-rng.js';
import { toHex, utf8Encode } from '../../util/bytes.js';
import { decodeLsdAnnounce, encodeLsdAnnounces, LSD_MAX_PACKET_BYTES, LsdCode, LsdError, lsdHost } from './lsd.js';

const IH = new Uint8Array(20).fill(0xab);

test('encodes the BEP 14 announce byte-exactly and decodes it back', () => {
  const [packet] = encodeLsdAnnounces({ host: lsdHost('239.192.152.143'), port: 6881, infoHashes: [IH], cookie: 'tk1' });
  const text = new TextDecoder().decode(packet);
  assert.equal(
    text,
    `BT-SEARCH * HTTP/1.1\r\nHost: 239.192.152.143:6771\r\nPort: 6881\r\nInfohash: ${'ab'.repeat(20)}\r\ncookie: tk1\r\n\r\n\r\n`,
  );
  const back = decodeLsdAnnounce(packet);
  assert.deepEqual(back, { host: '239.192.152.143:6771', port: 6881, infoHashes: [IH], cookie: 'tk1' });
  assert.equal(lsdHost('ff15::efc0:988f'), '[ff15::efc0:988f]:6771');
});

test('many info hashes split into packets of at most 1400 bytes', () => {
  const rng = new SeededRng(1);
  const hashes = Array.from({ length: 100 }, () => rng.bytes(20));
  const packets = encodeLsdAnnounces({ host: lsdHost('239.192.152.143'), port: 1, infoHashes: hashes });
  assert.ok(packets.length > 1);
  assert.ok(packets.every((p) => p.length <= LSD_MAX_PACKET_BYTES));
  const all = packets.flatMap((p) => decodeLsdAnnounce(p).infoHashes.map(toHex));
  assert.deepEqual(all, hashes.map(toHex));
});

test('tolerates other clients: LF line ends, upper-case hex, header case, unknown headers', () => {
  const m = decodeLsdAnnounce(utf8Encode(`BT-SEARCH * HTTP/1.1\nHOST: 239.192.152.143:6771\nport: 51413\nX-Extra: 1\ninfohash: ${'AB'.repeat(20)}\n\n\n`));
  assert.equal(m.port, 51413);
  assert.deepEqual(m.infoHashes, [IH]);
});

test('rejects bad announces with typed errors', () => {
  const cases: [string, string][] = [
    ['GET / HTTP/1.1\r\n\r\n', LsdCode.Malformed],
    [`BT-SEARCH * HTTP/1.1\r\nPort: 0\r\nInfohash: ${'ab'.repeat(20)}\r\n\r\n`, LsdCode.BadPort],
    [`BT-SEARCH * HTTP/1.1\r\nPort: 99999\r\nInfohash: ${'ab'.repeat(20)}\r\n\r\n`, LsdCode.BadPort],
    ['BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nInfohash: xyz\r\n\r\n', LsdCode.NoInfoHash],
    ['BT-SEARCH * HTTP/1.1\r\nno colon here\r\n\r\n', LsdCode.Malformed],
  ];
  for (const [text, code] of cases) assert.throws(() => decodeLsdAnnounce(utf8Encode(text)), { code }, text);
  assert.throws(() => decodeLsdAnnounce(new Uint8Array(3000)), { code: LsdCode.TooLong });
  assert.throws(() => encodeLsdAnnounces({ host: 'h', port: 0, infoHashes: [IH] }), { code: LsdCode.BadPort });
});

test(`random and mutated datagrams only give an announce or an LsdError (seed 14)`, () => {
  const rng = new SeededRng(14);
  const base = encodeLsdAnnounces({ host: lsdHost('239.192.152.143'), port: 6881, infoHashes: [IH, rng.bytes(20)], cookie: 'c' })[0];
  for (let i = 0; i < 3000; i++) {
    const b = i % 2 === 0 ? base.slice() : rng.bytes(rng.int(200));
    for (let f = 0; f < 3 && b.length > 0; f++) b[rng.int(b.length)] = rng.int(256);
    try {
      decodeLsdAnnounce(b);
    } catch (err) {
      assert.ok(err instanceof LsdError, `case ${i}: ${String(err)}`);
    }
  }
});
