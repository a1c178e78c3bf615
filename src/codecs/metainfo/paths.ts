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
 * 6. Windows device names (CON, PRN, AUX, NUL, COM1-COM9, LPT1-LPT9, also with the superscript
 *    digits ¹²³, CONIN$, CONOUT$, CLOCK$; any case, with or without an extension) get `_` appended to their base: `con.txt` becomes `con_.txt`.
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
import { utf8Decode, utf8Encode } from '../../util/bytes.js';
import { MetainfoError, MetainfoErrorCode as E } from './errors.js';

/** Longest path element in UTF-8 bytes (ext4, NTFS, APFS: 255). */
export const MAX_ELEMENT_BYTES = 255;
const MAX_EXTENSION_BYTES = 20;

const RESERVED_CHARS = /[/\\:*?"<>|\u0000-\u001f\u007f]/g;
const BIDI_OVERRIDES = /[\u202a-\u202e\u2066-\u2069]/g;
const TRAILING_DOTS_SPACES = /[. ]+$/;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[1-9\u00b9\u00b2\u00b3]|lpt[1-9\u00b9\u00b2\u00b3]|conin\$|conout\$|clock\$)(\..*)?$/i;
/** Anything any rule below would change; most real names match none and take the fast path. */
const NEEDS_WORK = /[/\\:*?"<>|\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069\ufffd]|[. ]$|^(con|prn|aux|nul|com[1-9\u00b9\u00b2\u00b3]|lpt[1-9\u00b9\u00b2\u00b3]|conin\$|conout\$|clock\$)(\.|$)/i;

function decodeElement(raw: Uint8Array | string): string {
  if (typeof raw === 'string') return raw;
  // ASCII fast path (most names): no decoder call.
  if (raw.length <= 256) {
    let ascii = true;
    for (let i = 0; i < raw.length; i++) {
      if (raw[i] >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, raw as unknown as number[]);
  }
  try {
    return utf8Decode(raw, true);
  } catch {
    // The lenient decoder turns each maximal invalid subpart into one U+FFFD.
    return utf8Decode(raw).replace(/\ufffd/g, '_');
  }
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
  // A UTF-16 code unit takes at most 3 UTF-8 bytes.
  if (s.length * 3 <= MAX_ELEMENT_BYTES || utf8Encode(s).length <= MAX_ELEMENT_BYTES) return s;
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
  const decoded = decodeElement(raw);
  if (decoded !== '' && decoded !== '.' && decoded !== '..' && !NEEDS_WORK.test(decoded)) return limitLength(decoded);
  let s = decoded.replace(RESERVED_CHARS, '_').replace(BIDI_OVERRIDES, '');
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

function sameRaw(a: readonly (Uint8Array | string)[], b: readonly (Uint8Array | string)[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (typeof x === 'string' || typeof y === 'string') {
      if (x !== y) return false;
      continue;
    }
    if (x.length !== y.length) return false;
    for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return false;
  }
  return true;
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
  /** Registered file paths (joined with `/`) and their raw paths. */
  private readonly files = new Map<string, readonly (Uint8Array | string)[]>();
  private readonly dirs = new Set<string>();
  /** Next rename suffix to try per colliding path, so n collisions cost O(n), not O(n^2). */
  private readonly nextSuffix = new Map<string, number>();

  constructor(private readonly strict: boolean) {}

  /**
   * Registers a file; returns its final path (renamed when it collided only after sanitising).
   * `field` names the entry in errors.
   */
  add(path: readonly string[], raw: readonly (Uint8Array | string)[], field: string): string[] {
    const key = path.join('/');
    const existing = this.files.get(key);
    const final = path.slice();
    let finalKey = key;
    if (existing !== undefined || this.dirs.has(key)) {
      if ((existing !== undefined && sameRaw(existing, raw)) || this.dirs.has(key)) {
        throw new MetainfoError(E.DuplicatePath, `"${key}" appears twice or is both a file and a directory`, field);
      }
      if (this.strict) throw new MetainfoError(E.DuplicatePath, `"${key}" collides with another file after sanitising`, field);
      const last = final.length - 1;
      for (let n = this.nextSuffix.get(key) ?? 1; ; n++) {
        final[last] = withSuffix(path[last], n);
        finalKey = final.join('/');
        if (!this.files.has(finalKey) && !this.dirs.has(finalKey)) {
          this.nextSuffix.set(key, n + 1);
          break;
        }
      }
    }
    // Register the parent directories, longest first; once one is known, its parents are too.
    let dir = finalKey;
    for (let i = final.length - 1; i >= 1; i--) {
      dir = dir.slice(0, dir.length - final[i].length - 1);
      if (this.dirs.has(dir)) break;
      if (this.files.has(dir)) throw new MetainfoError(E.DuplicatePath, `"${dir}" is both a file and a directory`, field);
      this.dirs.add(dir);
    }
    this.files.set(finalKey, raw);
    return final;
  }
}
