/**
 * Magnet links (BEP 9 "magnet URI format", BEP 53 `so`), and torrent ids as users type them.
 *
 * Parsed: `xt` (urn:btih as 40 hex or 32 base32 chars; urn:btmh as a sha2-256 multihash, 0x12 0x20
 * followed by 32 bytes, in hex), also as `xt.1`, `xt.2` ...; `dn`; `tr`, `ws` (BEP 19 web seeds),
 * `xs`, `as`, `x.pe` (peer addresses), all repeatable; `so` (BEP 53 file indices and inclusive
 * ranges); `xl` (exact length). Unknown parameters are kept in `extra`. Values are
 * percent-decoded; a malformed escape is kept as written rather than failing the whole link.
 */
import { fromBase32, fromHex, toHex } from '../../util/bytes.js';
import type { InfoHash, InfoHashV2 } from '../../util/units.js';
import { MagnetError, MagnetErrorCode as E } from './errors.js';

/** An inclusive range of file indices (BEP 53 `so=0,2,4-6` gives [0,0], [2,2], [4,6]). */
export interface IndexRange {
  readonly start: number;
  readonly end: number;
}

export interface MagnetLink {
  /** v1 info hash (20 bytes), from urn:btih. */
  readonly infoHash?: InfoHash;
  /** v2 info hash (32 bytes), from urn:btmh. */
  readonly infoHashV2?: InfoHashV2;
  /** Display name (`dn`). */
  readonly name?: string;
  /** Tracker URLs (`tr`), in order, without duplicates. */
  readonly trackers: readonly string[];
  /** Web seeds (`ws`, BEP 19). */
  readonly webSeeds: readonly string[];
  /** Exact sources (`xs`): URLs of the .torrent file. */
  readonly exactSources: readonly string[];
  /** Acceptable sources (`as`). */
  readonly acceptableSources: readonly string[];
  /** Peer addresses (`x.pe`), `host:port` or `[v6]:port`. */
  readonly peers: readonly string[];
  /** BEP 53 select-only ranges, when present. */
  readonly selectOnly?: readonly IndexRange[];
  /** Exact length (`xl`). */
  readonly length?: number;
  /** Other parameters, in order. */
  readonly extra: readonly (readonly [string, string])[];
}

/** What `formatMagnet` takes: a MagnetLink whose fields are all optional, hashes as plain bytes. */
export type MagnetInput = Partial<Omit<MagnetLink, 'infoHash' | 'infoHashV2' | 'extra'>> & {
  /** 20 bytes. */
  infoHash?: Uint8Array;
  /** 32 bytes. */
  infoHashV2?: Uint8Array;
  extra?: readonly (readonly [string, string])[];
};

/** Largest file index accepted in `so` (libtorrent caps file counts far below). */
const MAX_FILE_INDEX = 0x7fffffff;
/** Most `so` items parsed (a link is a URL; this bounds the work). */
const MAX_SO_ITEMS = 10_000;
/** sha2-256 multihash prefix (multicodec 0x12, length 0x20), BEP 9 urn:btmh. */
const BTMH_PREFIX = '1220';

/** `host:port` or `[v6]:port` with a port in 1-65535 (BEP 9 `x.pe`). */
const PEER_ADDRESS = /^(?:\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/;

export function isPeerAddress(s: string): boolean {
  const m = PEER_ADDRESS.exec(s);
  return m !== null && Number(m[1]) >= 1 && Number(m[1]) <= 65535;
}

function decodeComponent(s: string): string {
  const plus = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus;
  }
}

function parseBtih(v: string): InfoHash {
  if (/^[0-9a-fA-F]{40}$/.test(v)) return fromHex(v) as InfoHash;
  if (/^[A-Za-z2-7]{32}$/.test(v)) return fromBase32(v) as InfoHash;
  throw new MagnetError(E.BadInfoHash, `urn:btih needs 40 hex or 32 base32 characters, got "${v}"`);
}

function parseBtmh(v: string): InfoHashV2 {
  if (!/^[0-9a-fA-F]{68}$/.test(v) || v.slice(0, 4) !== BTMH_PREFIX) {
    throw new MagnetError(E.BadInfoHash, `urn:btmh needs a sha2-256 multihash (1220 + 64 hex), got "${v}"`);
  }
  return fromHex(v.slice(4)) as InfoHashV2;
}

/** Parses BEP 53 `so`: comma-separated indices and inclusive `a-b` ranges. */
export function parseSelectOnly(v: string): IndexRange[] {
  const items = v.split(',').filter((s) => s !== '');
  if (items.length > MAX_SO_ITEMS) throw new MagnetError(E.BadParameter, `so has more than ${MAX_SO_ITEMS} items`);
  return items.map((item) => {
    const m = /^(\d{1,10})(?:-(\d{1,10}))?$/.exec(item.trim());
    if (!m) throw new MagnetError(E.BadParameter, `bad so item "${item}"`);
    const start = Number(m[1]);
    const end = m[2] === undefined ? start : Number(m[2]);
    if (end < start || end > MAX_FILE_INDEX) throw new MagnetError(E.BadParameter, `bad so range "${item}"`);
    return { start, end };
  });
}

/** True when file `index` is selected by `ranges`. */
export function isSelected(ranges: readonly IndexRange[], index: number): boolean {
  return ranges.some((r) => index >= r.start && index <= r.end);
}

function formatSelectOnly(ranges: readonly IndexRange[]): string {
  return ranges.map((r) => (r.start === r.end ? String(r.start) : `${r.start}-${r.end}`)).join(',');
}

/** Parses a magnet URI. Throws MagnetError. */
export function parseMagnet(uri: string): MagnetLink {
  const m = /^magnet:\?(.*)$/is.exec(uri.trim());
  if (!m) throw new MagnetError(E.NotMagnet, 'not a magnet:? link');
  let infoHash: InfoHash | undefined;
  let infoHashV2: InfoHashV2 | undefined;
  let name: string | undefined;
  let length: number | undefined;
  let selectOnly: IndexRange[] | undefined;
  const lists = { tr: [] as string[], ws: [] as string[], xs: [] as string[], as: [] as string[], 'x.pe': [] as string[] };
  const extra: [string, string][] = [];
  const seen = new Set<string>();
  /** Appends `value` to list `key` once (a link may repeat a tracker). */
  const add = (key: keyof typeof lists, value: string) => {
    const k = `${key}\u0000${value}`;
    if (seen.has(k)) return;
    seen.add(k);
    lists[key].push(value);
  };
  for (const part of m[1].split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const key = decodeComponent(rawKey).toLowerCase().replace(/^(xt|tr|ws|xs|as)\.\d+$/, '$1');
    const value = eq < 0 ? '' : decodeComponent(part.slice(eq + 1));
    switch (key) {
      case 'xt': {
        const btih = /^urn:btih:(.*)$/i.exec(value);
        const btmh = /^urn:btmh:(.*)$/i.exec(value);
        if (btih) {
          const h = parseBtih(btih[1]);
          if (infoHash && toHex(infoHash) !== toHex(h)) throw new MagnetError(E.ConflictingInfoHash, 'two different urn:btih');
          infoHash = h;
        } else if (btmh) {
          const h = parseBtmh(btmh[1]);
          if (infoHashV2 && toHex(infoHashV2) !== toHex(h)) throw new MagnetError(E.ConflictingInfoHash, 'two different urn:btmh');
          infoHashV2 = h;
        } else extra.push([rawKey, value]);
        break;
      }
      case 'dn':
        name = value;
        break;
      case 'x.pe':
        // A malformed peer address is skipped: the rest of the link is still usable.
        if (isPeerAddress(value)) add(key, value);
        break;
      case 'tr':
      case 'ws':
      case 'xs':
      case 'as':
        if (value !== '') add(key, value);
        break;
      case 'so':
        selectOnly = [...(selectOnly ?? []), ...parseSelectOnly(value)];
        break;
      case 'xl':
        if (/^\d{1,16}$/.test(value) && Number.isSafeInteger(Number(value))) length = Number(value);
        break;
      default:
        extra.push([rawKey, value]);
    }
  }
  if (!infoHash && !infoHashV2) throw new MagnetError(E.NoInfoHash, 'no urn:btih or urn:btmh info hash');
  return {
    ...(infoHash ? { infoHash } : {}),
    ...(infoHashV2 ? { infoHashV2 } : {}),
    ...(name !== undefined ? { name } : {}),
    trackers: lists.tr,
    webSeeds: lists.ws,
    exactSources: lists.xs,
    acceptableSources: lists.as,
    peers: lists['x.pe'],
    ...(selectOnly ? { selectOnly } : {}),
    ...(length !== undefined ? { length } : {}),
    extra,
  };
}

/** Percent-encodes a value, leaving the characters that are safe in a query and common in URLs. */
function enc(s: string): string {
  return encodeURIComponent(s).replace(/%3A/gi, ':').replace(/%2F/gi, '/');
}

/**
 * Formats a magnet URI: xt (btih hex, then btmh), dn, xl, tr, ws, xs, as, x.pe, so, then extras.
 * `parseMagnet(formatMagnet(x))` gives back `x`.
 */
export function formatMagnet(link: MagnetInput): string {
  const parts: string[] = [];
  if (link.infoHash && link.infoHash.length !== 20) throw new MagnetError(E.BadInfoHash, 'a v1 info hash has 20 bytes');
  if (link.infoHashV2 && link.infoHashV2.length !== 32) throw new MagnetError(E.BadInfoHash, 'a v2 info hash has 32 bytes');
  if (link.infoHash) parts.push(`xt=urn:btih:${toHex(link.infoHash)}`);
  if (link.infoHashV2) parts.push(`xt=urn:btmh:${BTMH_PREFIX}${toHex(link.infoHashV2)}`);
  if (parts.length === 0) throw new MagnetError(E.NoInfoHash, 'a magnet link needs an info hash');
  if (link.name !== undefined) parts.push(`dn=${enc(link.name)}`);
  if (link.length !== undefined) parts.push(`xl=${link.length}`);
  for (const [key, values] of [
    ['tr', link.trackers],
    ['ws', link.webSeeds],
    ['xs', link.exactSources],
    ['as', link.acceptableSources],
    ['x.pe', link.peers],
  ] as const) {
    for (const v of values ?? []) parts.push(`${key}=${enc(v)}`);
  }
  if (link.selectOnly && link.selectOnly.length > 0) parts.push(`so=${formatSelectOnly(link.selectOnly)}`);
  for (const [k, v] of link.extra ?? []) parts.push(`${k}=${enc(v)}`);
  return `magnet:?${parts.join('&')}`;
}

/** What a user-supplied torrent id names. */
export type TorrentId =
  | { readonly kind: 'magnet'; readonly magnet: MagnetLink }
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'file'; readonly path: string };

/**
 * Classifies a torrent id: a magnet URI, a bare info hash (40 hex or 32 base32 chars for v1,
 * 64 hex for v2; returned as a magnet link), an http(s) URL, a file:// URL or else a file path. The caller
 * fetches URLs and reads files (codecs do no I/O).
 */
export function parseTorrentId(id: string): TorrentId {
  const s = id.trim();
  if (/^magnet:/i.test(s)) return { kind: 'magnet', magnet: parseMagnet(s) };
  if (/^[0-9a-fA-F]{40}$/.test(s) || /^[A-Za-z2-7]{32}$/.test(s)) {
    return { kind: 'magnet', magnet: parseMagnet(`magnet:?xt=urn:btih:${s}`) };
  }
  if (/^[0-9a-fA-F]{64}$/.test(s)) return { kind: 'magnet', magnet: parseMagnet(`magnet:?xt=urn:btmh:${BTMH_PREFIX}${s}`) };
  if (/^https?:\/\//i.test(s)) return { kind: 'url', url: s };
  if (/^file:\/\//i.test(s)) {
    try {
      return { kind: 'file', path: decodeURIComponent(new URL(s).pathname) };
    } catch {
      return { kind: 'file', path: id };
    }
  }
  return { kind: 'file', path: id };
}
