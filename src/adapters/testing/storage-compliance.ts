/**
 * The compliance suite of the Storage port. Every implementation runs it:
 *   storageCompliance('file storage', (files) => new FileStorage(files, {...}))
 * It registers node:test tests; call it at the top level of a test file.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Storage, StorageFile } from '../../ports/storage.js';
import { isTorrentkitError } from '../../util/errors.js';

function layout(lengths: number[], pads: number[] = []): StorageFile[] {
  let offset = 0;
  return lengths.map((length, i) => {
    const f: StorageFile = { path: ['t', `f${i}`], length, offset, pad: pads.includes(i) || undefined };
    offset += length;
    return f;
  });
}

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return out;
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err) => isTorrentkitError(err) && err.code === code);
}

export function storageCompliance(
  name: string,
  make: (files: StorageFile[]) => Storage | Promise<Storage>,
): void {
  test(`${name}: writes and reads ranges across file boundaries`, async () => {
    const files = layout([1000, 0, 3000, 17]);
    const s = await make(files);
    const data = bytes(4017, 1);
    await s.write(0, data.subarray(0, 2048));
    await s.write(2048, data.subarray(2048));
    assert.deepEqual(await s.read(0, 4017), data);
    assert.deepEqual(await s.read(990, 20), data.subarray(990, 1010));
    assert.deepEqual(await s.read(4000, 17), data.subarray(4000));
    await s.close();
  });

  test(`${name}: unwritten ranges are missing, out-of-range is refused`, async () => {
    const s = await make(layout([100, 100]));
    await s.write(0, bytes(50, 2));
    await rejectsWith(s.read(120, 10), 'BT_ERR_STORAGE_MISSING');
    await rejectsWith(s.read(190, 20), 'BT_ERR_STORAGE_RANGE');
    await rejectsWith(s.write(195, bytes(10, 1)), 'BT_ERR_STORAGE_RANGE');
    await s.close();
  });

  test(`${name}: pad files read as zeros and are never created`, async () => {
    const files = layout([10, 6, 10], [1]);
    const s = await make(files);
    const data = bytes(26, 3);
    await s.write(0, data);
    const back = await s.read(0, 26);
    assert.deepEqual(back.subarray(0, 10), data.subarray(0, 10));
    assert.deepEqual(back.subarray(10, 16), new Uint8Array(6));
    assert.deepEqual(back.subarray(16), data.subarray(16));
    // Into memory that held other bytes: the pad still reads as zeros.
    const into = new Uint8Array(40).fill(0xee);
    const again = await s.read(0, 26, { into });
    assert.equal(again.buffer, into.buffer);
    assert.equal(again.byteOffset, 0);
    assert.deepEqual(again, back);
    await s.close();
  });

  test(`${name}: reads into the caller's memory when it is large enough`, async () => {
    const s = await make(layout([1000, 3000]));
    const data = bytes(4000, 4);
    await s.write(0, data);
    const into = new Uint8Array(2048).fill(1);
    const got = await s.read(900, 2048, { into });
    assert.equal(got.buffer, into.buffer);
    assert.deepEqual(got, data.subarray(900, 2948));
    const small = new Uint8Array(10);
    const fresh = await s.read(0, 100, { into: small });
    assert.notEqual(fresh.buffer, small.buffer, 'too small: a new array');
    assert.deepEqual(fresh, data.subarray(0, 100));
    await s.close();
  });

  test(`${name}: bytes of unselected files are kept aside, not written, and move in on selection`, async () => {
    const files = layout([100, 100, 100]);
    const s = await make(files);
    await s.setSelection([true, false, true]);
    const data = bytes(300, 4);
    await s.write(0, data);
    const st = await s.stat();
    assert.equal(st[1].size, -1, 'the unselected file must not exist');
    assert.equal(st[0].size, 100);
    // Kept-aside bytes are still readable (for uploads).
    assert.deepEqual(await s.read(50, 100), data.subarray(50, 150));
    await s.setSelection([true, true, true]);
    const st2 = await s.stat();
    assert.equal(st2[1].size, 100);
    assert.deepEqual(await s.read(0, 300), data);
    await s.close();
  });

  test(`${name}: selected empty files exist after selection`, async () => {
    const s = await make(layout([10, 0, 10]));
    await s.setSelection([true, true, true]);
    const st = await s.stat();
    assert.equal(st[1].size, 0);
    await s.close();
  });

  test(`${name}: closed storage refuses work; destroy removes files`, async () => {
    const s = await make(layout([10]));
    await s.write(0, bytes(10, 5));
    await s.destroy();
    await rejectsWith(s.read(0, 10), 'BT_ERR_STORAGE_CLOSED');
  });
}
