import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTorrent, bytesOf } from '../../../test/helpers/torrents.js';
import { parseMetainfo } from '../../codecs/metainfo/index.js';
import { toHex } from '../../util/bytes.js';
import { nodeDigests } from './digests.js';

test('parsing with node:crypto digests gives the same hashes and checks as the pure ones', () => {
  const files = [
    { path: ['a'], data: bytesOf(100_000, 1) },
    { path: ['b'], data: bytesOf(20_000, 2) },
  ];
  const bytes = buildTorrent(files, { version: 'hybrid' });
  const pure = parseMetainfo(bytes);
  const fast = parseMetainfo(bytes, { digests: nodeDigests });
  assert.equal(toHex(fast.infoHash!), toHex(pure.infoHash!));
  assert.equal(toHex(fast.infoHashV2!), toHex(pure.infoHashV2!));
  assert.deepEqual([...fast.pieceLayers!.keys()], [...pure.pieceLayers!.keys()]);
  // A corrupted layer is caught with either.
  const bad = buildTorrent(files, {
    version: 'v2',
    editTop: (top) => {
      const layers = top['piece layers'] as Record<string, Uint8Array>;
      const k = Object.keys(layers)[0];
      layers[k] = layers[k].map((x, i) => (i === 0 ? x ^ 1 : x));
    },
  });
  assert.throws(() => parseMetainfo(bad, { digests: nodeDigests }), { code: 'BT_ERR_METAINFO_V2_PIECE_LAYER_MISMATCH' });
});
