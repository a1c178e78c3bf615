/**
 * HTTP byte ranges (RFC 9110 section 14): one `bytes=` range is served; a header that does not
 * parse, or asks for several ranges, is ignored (the whole file is sent, as the RFC allows); a
 * range that starts past the end is unsatisfiable (416).
 */

export type RangeResult = { kind: 'none' } | { kind: 'range'; start: number; end: number } | { kind: 'unsatisfiable' };

/** Parses a Range header against a representation of `size` bytes; `end` is inclusive. */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return { kind: 'none' };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return { kind: 'none' };
  const [, a, b] = m;
  if (a === '' && b === '') return { kind: 'none' };
  if (a === '') {
    // Suffix range: the last N bytes.
    const n = Number(b);
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  if (!Number.isSafeInteger(start)) return { kind: 'unsatisfiable' };
  let end = b === '' ? size - 1 : Number(b);
  if (b !== '' && end < start) return { kind: 'none' };
  if (start >= size) return { kind: 'unsatisfiable' };
  if (!Number.isSafeInteger(end) || end >= size) end = size - 1;
  return { kind: 'range', start, end };
}
