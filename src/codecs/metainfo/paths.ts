/**
 * Path sanitisation for torrent file paths (BEP 3 `path`, BEP 52 `file tree` keys, BEP 47
 * `symlink path`), modelled on libtorrent's `sanitize_append_path_element`, but portable: the same
 * torrent gives the same layout on every operating system.
 *
 * The rule, applied to each path element:
 * 1. Bytes that are not valid UTF-8 (including overlong encodings, BEP 52) become `_`, one per
 *    maximal invalid subpart as the WHATWG decoder counts them (0xC0 0xAF gives `__`).
 * 2. Separators and characters reserved on common file systems, `/ \ : * ? " < > |`, and control
 *    characters (U+0000-U+001F, U+007F) become `_`. A drive letter `C:` thus becomes `C_`.
 * 3. Unicode bidirectional overrides (U+202A-U+202E, U+2066-U+2069) are removed (they disguise
 *    file extensions).
 * 4. Trailing dots and spaces are removed (Windows cannot create such names).
 * 5. Elements that are then empty, `.` or `..` are dropped.
 * 6. Windows device names (CON, PRN, AUX, NUL, COM1-COM9, LPT1-LPT9, any case, with or without an
 *    extension) get `_` appended to their base: `con.txt` becomes `con_.txt`.
 * 7. Elements longer than 255 UTF-8 bytes are cut to 255 bytes at a character boundary, keeping an
 *    extension of up to 20 bytes.
 * A path whose elements are all dropped is rejected (BT_ERR_METAINFO_BAD_PATH). Since no element
 * can be `..` or contain a separator, a sanitised path never points outside the torrent folder.
 *
 * Collisions (see `PathRegistry`): two files whose raw paths are identical, or a path that is both a
 * file and a directory, are rejected (BT_ERR_METAINFO_DUPLICATE_PATH). Two files whose raw paths
 * differ but sanitise to the same path are renamed like libtorrent does, `name.1.ext`, `name.2.ext`
 * ..., in file order (strict mode rejects them instead). Comparison is case-sensitive.
 */
import { bytesToBinary, isUtf8, utf8Decode, utf8Encode } from '../../util/bytes.js';
import { MetainfoError, MetainfoErrorCode as E } from './errors.js';

/** Longest path element in UTF-8 bytes (ext4, NTFS, APFS: 255). */
export const MAX_ELEMENT_BYTES = 255;
const MAX_EXTENSION_BYTES = 20;

const RESERVED_CHARS = /[/\\:*?"<>|\u0000-\u001f\u007f]/g;
const BIDI_OVERRIDES = /[\u202a-\u202e\u2066-\u2069]/g;
const TRAILING_DOTS_SPACES = /[. ]+$/;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$/i;

function decodeElement(raw: Uint8Array | string): string {
  if (typeof raw === 'string') return raw;
  if (isUtf8(raw)) return utf8Decode(raw);
  // The lenient decoder turns each maximal invalid subsequence into one U+FFFD.
  return utf8Decode(raw).replace(/\ufffd/g, '_');
}

/** Cuts `s` to at most `max` UTF-8 bytes without splitting a character. */
function cutUtf8(s: string, max: number): string {
  let bytes = 0;
  let out = '';
  for (const ch of s) {
    const n = utf8Encode(ch).length;
    if (bytes + n > max) break;
    bytes += n;
    out += ch;
  }
  return out;
}

function limitLength(s: string): string {
  if (utf8Encode(s).length <= MAX_ELEMENT_BYTES) return s;
  const dot = s.lastIndexOf('.');
  const ext = dot > 0 ? s.slice(dot) : '';
  if (ext && utf8Encode(ext).length <= MAX_EXTENSION_BYTES) {
    return cutUtf8(s.slice(0, dot), MAX_ELEMENT_BYTES - utf8Encode(ext).length) + ext;
  }
  return cutUtf8(s, MAX_ELEMENT_BYTES);
}

/**
 * Sanitises one path element (raw bytes or already-decoded text). Returns `undefined` when the
 * element must be dropped (empty, `.`, `..`, or nothing left after cleaning).
 */
export function sanitizePathElement(raw: Uint8Array | string): string | undefined {
  let s = decodeElement(raw).replace(RESERVED_CHARS, '_').replace(BIDI_OVERRIDES, '');
  s = s.replace(TRAILING_DOTS_SPACES, '');
  if (s === '' || s === '.' || s === '..') return undefined;
  const device = WINDOWS_DEVICE.exec(s);
  if (device) s = `${device[1]}_${device[2] ?? ''}`;
  s = limitLength(s);
  // Cutting may leave trailing dots or spaces again.
  s = s.replace(TRAILING_DOTS_SPACES, '');
  return s === '' ? undefined : s;
}

/** Sanitises every element of a path; dropped elements vanish. May return an empty array. */
export function sanitizePath(raw: readonly (Uint8Array | string)[]): string[] {
  const out: string[] = [];
  for (const el of raw) {
    const s = sanitizePathElement(el);
    if (s !== undefined) out.push(s);
  }
  return out;
}

function rawKey(raw: readonly (Uint8Array | string)[]): string {
  // Elements joined by NUL, which cannot occur inside a sanitised element; raw bytes are kept
  // distinct by encoding them as latin1 characters.
  return raw.map((el) => (typeof el === 'string' ? el : bytesToBinary(el))).join('\u0000');
}

function withSuffix(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)}.${n}${name.slice(dot)}` : `${name}.${n}`;
}

/**
 * Detects and resolves path collisions among the files of one torrent (rule in the header).
 * Pad files are not registered: their `.pad/N` paths repeat by design and they are never written.
 */
export class PathRegistry {
  private readonly files = new Map<string, string>();
  private readonly dirs = new Set<string>();

  constructor(private readonly strict: boolean) {}

  /**
   * Registers a file; returns its final path (renamed when it collided only after sanitising).
   * `field` names the entry in errors.
   */
  add(path: readonly string[], raw: readonly (Uint8Array | string)[], field: string): string[] {
    const key = path.join('/');
    const rk = rawKey(raw);
    const existing = this.files.get(key);
    const final = path.slice();
    if (existing !== undefined || this.dirs.has(key)) {
      if (existing === rk || this.dirs.has(key)) {
        throw new MetainfoError(E.DuplicatePath, `"${key}" appears twice or is both a file and a directory`, field);
      }
      if (this.strict) throw new MetainfoError(E.DuplicatePath, `"${key}" collides with another file after sanitising`, field);
      const last = final.length - 1;
      for (let n = 1; ; n++) {
        final[last] = withSuffix(path[last], n);
        const k = final.join('/');
        if (!this.files.has(k) && !this.dirs.has(k)) break;
      }
    }
    const finalKey = final.join('/');
    for (let i = 1; i < final.length; i++) {
      const dir = final.slice(0, i).join('/');
      if (this.files.has(dir)) {
        throw new MetainfoError(E.DuplicatePath, `"${dir}" is both a file and a directory`, field);
      }
      this.dirs.add(dir);
    }
    this.files.set(finalKey, rk);
    return final;
  }
}
