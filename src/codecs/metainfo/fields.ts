/**
 * The optional, advisory fields of a torrent: BEP 12 `announce-list` tiers (or `announce`), BEP 19
 * `url-list`, BEP 27 `private`, BEP 5 `nodes`, `creation date`, `comment`, `created by` and
 * `info.source`. Read leniently: a malformed field is skipped (as libtorrent does), unless
 * `strict`, where it is BT_ERR_METAINFO_BAD_FIELD.
 */
import type { BDict, BValue } from '../bencode/index.js';
import { isUtf8, utf8Decode } from '../../util/bytes.js';
import { MetainfoError, MetainfoErrorCode as E } from './errors.js';
import type { Metainfo } from './types.js';

export function text(v: BValue | undefined): string | undefined {
  return v instanceof Uint8Array ? utf8Decode(v) : undefined;
}

/**
 * Reads `key.utf-8` when it is valid UTF-8 text, else `key` (older clients wrote both). `key` is
 * ASCII, so its binary form is itself.
 */
export function preferUtf8(d: BDict, key: string): BValue | undefined {
  const alt = d[`${key}.utf-8`];
  if (alt instanceof Uint8Array && isUtf8(alt)) return alt;
  if (Array.isArray(alt) && alt.every((x) => x instanceof Uint8Array && isUtf8(x))) return alt;
  return d[key];
}

type Optional = Pick<Metainfo, 'announce' | 'urlList' | 'private' | 'nodes' | 'creationDate' | 'comment' | 'createdBy' | 'source'>;

function bad(strict: boolean, field: string, message: string): void {
  if (strict) throw new MetainfoError(E.BadField, message, field);
}

export function readOptional(top: BDict, info: BDict, strict: boolean): Optional {
  // BEP 12: when announce-list is present (and usable), announce is ignored.
  const seen = new Set<string>();
  const tiers: string[][] = [];
  const addTier = (urls: BValue[]) => {
    const tier: string[] = [];
    for (const u of urls) {
      const s = text(u)?.trim();
      if (!s) {
        bad(strict, 'announce-list', 'tracker URL is not a non-empty string');
        continue;
      }
      if (seen.has(s)) continue;
      seen.add(s);
      tier.push(s);
    }
    if (tier.length > 0) tiers.push(tier);
  };
  const list = top['announce-list'];
  if (Array.isArray(list)) {
    for (const tier of list) {
      if (Array.isArray(tier)) addTier(tier);
      else {
        bad(strict, 'announce-list', 'tier is not a list');
        if (tier instanceof Uint8Array) addTier([tier]);
      }
    }
  } else if (list !== undefined) bad(strict, 'announce-list', 'not a list');
  if (tiers.length === 0 && top.announce !== undefined) {
    if (top.announce instanceof Uint8Array) addTier([top.announce]);
    else bad(strict, 'announce', 'not a string');
  }

  // BEP 19: url-list is a string or a list of strings.
  const urlList: string[] = [];
  const seenSeeds = new Set<string>();
  const ul = top['url-list'];
  for (const u of Array.isArray(ul) ? ul : ul === undefined ? [] : [ul]) {
    const s = text(u)?.trim();
    if (!s) bad(strict, 'url-list', 'web seed is not a non-empty string');
    else if (!seenSeeds.has(s)) {
      seenSeeds.add(s);
      urlList.push(s);
    }
  }

  // BEP 27: private=1 inside info.
  const priv = info.private;
  if (priv !== undefined && typeof priv !== 'number') bad(strict, 'info.private', 'not an integer');

  const nodes: { host: string; port: number }[] = [];
  const n = top.nodes;
  if (Array.isArray(n)) {
    for (const node of n) {
      if (Array.isArray(node) && node[0] instanceof Uint8Array && typeof node[1] === 'number' && node[1] > 0 && node[1] < 65536) {
        nodes.push({ host: utf8Decode(node[0]), port: node[1] });
      } else bad(strict, 'nodes', 'node is not [host, port]');
    }
  }

  const date = top['creation date'];
  const comment = text(preferUtf8(top, 'comment'));
  const createdBy = text(top['created by']);
  const source = text(info.source);
  return {
    announce: tiers,
    urlList,
    private: priv === 1,
    nodes,
    ...(typeof date === 'number' ? { creationDate: date } : {}),
    ...(comment !== undefined ? { comment } : {}),
    ...(createdBy !== undefined ? { createdBy } : {}),
    ...(source !== undefined ? { source } : {}),
  };
}
