import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../../test/helpers/tools.js';
import { isTorrentkitError } from '../../util/errors.js';
import { NodeContentSource } from './content-source.js';

test('lists a folder like mktorrent: hidden files, followed links, no dangling links or loops', async (t) => {
  const dir = tempDir(t);
  const root = join(dir, 'root');
  mkdirSync(join(root, 'sub', '.hidden'), { recursive: true });
  mkdirSync(join(root, 'emptydir'));
  writeFileSync(join(root, 'a.txt'), 'abc');
  writeFileSync(join(root, 'sub', '.hidden', 'h'), 'hh');
  writeFileSync(join(root, 'empty'), '');
  writeFileSync(join(dir, 'outside.bin'), '12345');
  symlinkSync(join(dir, 'outside.bin'), join(root, 'link.bin'));
  symlinkSync(join(dir, 'nowhere'), join(root, 'dangling'));
  symlinkSync(root, join(root, 'sub', 'loop'));
  for (let i = 0; i < 600; i++) writeFileSync(join(root, 'sub', `f${i}`), String(i)); // more than one slice
  const listing = await new NodeContentSource({ cwd: dir }).list('root');
  assert.equal(listing.name, 'root');
  assert.equal(listing.singleFile, false);
  const byPath = new Map(listing.files.map((f) => [f.path.join('/'), f]));
  assert.equal(listing.files.length, 4 + 600);
  assert.equal(byPath.get('a.txt')?.length, 3);
  assert.equal(byPath.get('sub/.hidden/h')?.length, 2);
  assert.equal(byPath.get('empty')?.length, 0);
  assert.equal(byPath.get('link.bin')?.length, 5, 'a link contributes its target');
  assert.equal(byPath.get('link.bin')?.location, join(root, 'link.bin'));
  assert.equal(byPath.get('sub/f599')?.length, 3);
  assert.ok(![...byPath.keys()].some((p) => p.includes('loop') || p.includes('dangling')));
});

test('a single file, a missing input, and abort', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'one.bin'), 'x');
  const src = new NodeContentSource({ cwd: dir });
  assert.deepEqual(await src.list('one.bin'), { name: 'one.bin', singleFile: true, files: [{ path: ['one.bin'], length: 1, location: join(dir, 'one.bin') }] });
  await assert.rejects(src.list('missing'), (e) => isTorrentkitError(e, 'BT_ERR_CREATE_INPUT'));
  mkdirSync(join(dir, 'd'));
  await assert.rejects(src.list('d', { signal: AbortSignal.abort() }), (e) => isTorrentkitError(e, 'BT_ERR_ABORTED'));
});
