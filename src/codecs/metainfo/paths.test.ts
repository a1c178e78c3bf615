import assert from 'node:assert/strict';
import { test } from 'node:test';
import { utf8Encode } from '../../util/bytes.js';
import { MetainfoError } from './errors.js';
import { MAX_ELEMENT_BYTES, PathRegistry, sanitizePath, sanitizePathElement } from './paths.js';

const b = (...xs: number[]) => new Uint8Array(xs);

test('drops ., .., empty elements and what is empty after cleaning', () => {
  assert.deepEqual(sanitizePath(['..', '.', '', 'a', '..', 'b']), ['a', 'b']);
  assert.deepEqual(sanitizePath(['...', ' . ', 'x']), ['x']);
  assert.equal(sanitizePathElement('..'), undefined);
  assert.equal(sanitizePathElement(new Uint8Array(0)), undefined);
});

test('replaces separators, reserved characters, NUL and controls; drive letters lose their colon', () => {
  assert.equal(sanitizePathElement('/etc/passwd'), '_etc_passwd');
  assert.equal(sanitizePathElement('..\\..\\windows'), '.._.._windows');
  assert.equal(sanitizePathElement('C:'), 'C_');
  assert.equal(sanitizePathElement('a*b?c"d<e>f|g'), 'a_b_c_d_e_f_g');
  assert.equal(sanitizePathElement(b(0x61, 0x00, 0x62)), 'a_b');
  assert.equal(sanitizePathElement('tab\there\x7f'), 'tab_here_');
});

test('removes bidi overrides and trailing dots and spaces', () => {
  assert.equal(sanitizePathElement('evil\u202Etxt.exe'), 'eviltxt.exe');
  assert.equal(sanitizePathElement('name. . '), 'name');
  assert.equal(sanitizePathElement(' lead'), ' lead');
});

test('Windows device names get an underscore, in any case and with an extension', () => {
  assert.equal(sanitizePathElement('CON'), 'CON_');
  assert.equal(sanitizePathElement('con.txt'), 'con_.txt');
  assert.equal(sanitizePathElement('Lpt9.tar.gz'), 'Lpt9_.tar.gz');
  assert.equal(sanitizePathElement('COM10'), 'COM10');
  assert.equal(sanitizePathElement('console'), 'console');
  assert.equal(sanitizePathElement('nul.'), 'nul_');
  assert.equal(sanitizePathElement('COM\u00b9.log'), 'COM\u00b9_.log');
  assert.equal(sanitizePathElement('conin$'), 'conin$_');
});

test('invalid and overlong UTF-8 become underscores; valid UTF-8 is kept', () => {
  assert.equal(sanitizePathElement(b(0x61, 0xff, 0x62)), 'a_b');
  // Overlong encoding of "/" (0xC0 0xAF) must not turn into a separator.
  assert.equal(sanitizePathElement(b(0x2e, 0x2e, 0xc0, 0xaf, 0x78)), '..__x');
  assert.equal(sanitizePathElement(utf8Encode('日本語.txt')), '日本語.txt');
});

test('long elements are cut to 255 UTF-8 bytes on a character boundary, keeping the extension', () => {
  const long = `${'é'.repeat(200)}.mkv`;
  const s = sanitizePathElement(long)!;
  assert.ok(utf8Encode(s).length <= MAX_ELEMENT_BYTES);
  assert.ok(s.endsWith('.mkv'));
  assert.ok(!s.includes('\ufffd'));
  const noExt = sanitizePathElement('x'.repeat(1000))!;
  assert.equal(noExt.length, MAX_ELEMENT_BYTES);
});

test('PathRegistry: raw duplicates and file/directory clashes throw, sanitising collisions are renamed', () => {
  const r = new PathRegistry(false);
  const e = (s: string) => utf8Encode(s);
  assert.deepEqual(r.add(['t', 'a.txt'], [e('a.txt')], 'f0'), ['t', 'a.txt']);
  assert.deepEqual(r.add(['t', 'a.txt'], [e('a.txt.')], 'f1'), ['t', 'a.1.txt']);
  assert.deepEqual(r.add(['t', 'a.txt'], [e('a.txt ')], 'f2'), ['t', 'a.2.txt']);
  assert.deepEqual(r.add(['t', 'd', 'x'], [e('d'), e('x')], 'f3'), ['t', 'd', 'x']);
  const codeOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return (err as MetainfoError).code;
    }
    return 'none';
  };
  assert.equal(codeOf(() => r.add(['t', 'a.txt'], [e('a.txt')], 'f4')), 'BT_ERR_METAINFO_DUPLICATE_PATH');
  assert.equal(codeOf(() => r.add(['t', 'd'], [e('d')], 'f5')), 'BT_ERR_METAINFO_DUPLICATE_PATH');
  assert.equal(codeOf(() => r.add(['t', 'a.txt', 'y'], [e('a.txt'), e('y')], 'f6')), 'BT_ERR_METAINFO_DUPLICATE_PATH');
  const strict = new PathRegistry(true);
  strict.add(['t', 'a'], [e('a')], 'f0');
  assert.equal(codeOf(() => strict.add(['t', 'a'], [e('a.')], 'f1')), 'BT_ERR_METAINFO_DUPLICATE_PATH');
});

test('no sanitised path can escape: random bytes never yield a separator, . or ..', () => {
  let x = 12345;
  for (let i = 0; i < 5000; i++) {
    const len = (x = (x * 1103515245 + 12345) >>> 0) % 12;
    const el = new Uint8Array(len);
    for (let k = 0; k < len; k++) {
      x = (x * 1103515245 + 12345) >>> 0;
      // Bias towards the dangerous bytes: . / \ : NUL
      el[k] = x % 3 === 0 ? [0x2e, 0x2f, 0x5c, 0x3a, 0x00][(x >>> 8) % 5] : (x >>> 16) & 0xff;
    }
    const s = sanitizePathElement(el);
    if (s === undefined) continue;
    assert.ok(s !== '.' && s !== '..' && s !== '', JSON.stringify(s));
    assert.ok(!/[/\\:\u0000]/.test(s), JSON.stringify(s));
  }
});

test('many names colliding after sanitising are renamed in linear time', () => {
  const r = new PathRegistry(false);
  const n = 20_000;
  for (let i = 0; i < n; i++) {
    const raw = `a${':*?<>|'[i % 6]}${'x'.repeat(Math.floor(i / 6))}`;
    r.add(['t', 'a_'], [utf8Encode(raw)], `f${i}`);
  }
  assert.deepEqual(r.add(['t', 'a_'], [utf8Encode('a"zzz')], 'last'), ['t', `a_.${n}`]);
});
