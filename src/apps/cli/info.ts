/**
 * `torrentkit info <torrent-file|magnet> [--json]`: what a torrent holds. The --json shape is
 * documented in README.md ("info --json") and kept stable: fields are only ever added.
 */
import { magnetOf, type MagnetLink, type Metainfo } from '../../codecs/metainfo/index.js';
import { toHex } from '../../util/bytes.js';
import { TorrentkitError } from '../../util/errors.js';
import type { Command } from './command.js';
import { loadTorrent } from '../../adapters/node/torrent-input.js';

const hex = (b: Uint8Array | undefined) => (b ? toHex(b) : null);

function attrOf(f: Metainfo['files'][number]): string {
  return `${f.pad ? 'p' : ''}${f.executable ? 'x' : ''}${f.hidden ? 'h' : ''}${f.symlink ? 'l' : ''}`;
}

/** The JSON document of a parsed torrent (README: "info --json"). */
export function torrentJson(meta: Metainfo) {
  return {
    kind: 'torrent' as const,
    name: meta.name,
    version: meta.version,
    infoHash: hex(meta.infoHash),
    infoHashV2: hex(meta.infoHashV2),
    infoHashV2Truncated: hex(meta.infoHashV2Truncated),
    totalLength: meta.totalLength,
    contentLength: meta.contentLength,
    pieceLength: meta.pieceLength,
    pieceCount: meta.pieceCount,
    private: meta.private,
    multiFile: meta.multiFile,
    files: meta.files.map((f) => ({
      index: f.index,
      path: f.path.join('/'),
      pathElements: f.path,
      length: f.length,
      offset: f.offset,
      pad: f.pad,
      attr: attrOf(f),
      symlinkPath: f.symlinkPath ? f.symlinkPath.join('/') : null,
      piecesRoot: hex(f.piecesRoot),
    })),
    trackers: meta.announce,
    webSeeds: meta.urlList,
    peers: [] as string[],
    selectOnly: null,
    nodes: meta.nodes,
    creationDate: meta.creationDate ?? null,
    comment: meta.comment ?? null,
    createdBy: meta.createdBy ?? null,
    source: meta.source ?? null,
    magnet: magnetOf(meta),
  };
}

/** The JSON document of a magnet link: what is unknown before the metadata arrives is null. */
export function magnetJson(m: MagnetLink, uri: string) {
  return {
    kind: 'magnet' as const,
    name: m.name ?? null,
    version: m.infoHash && m.infoHashV2 ? 'hybrid' : m.infoHashV2 ? 'v2' : 'v1',
    infoHash: hex(m.infoHash),
    infoHashV2: hex(m.infoHashV2),
    infoHashV2Truncated: m.infoHashV2 ? toHex(m.infoHashV2.subarray(0, 20)) : null,
    totalLength: m.length ?? null,
    contentLength: null,
    pieceLength: null,
    pieceCount: null,
    private: null,
    multiFile: null,
    files: null,
    // Each magnet tracker is its own tier, as libtorrent does.
    trackers: m.trackers.map((t) => [t]),
    webSeeds: m.webSeeds,
    peers: m.peers,
    selectOnly: m.selectOnly ?? null,
    nodes: [],
    creationDate: null,
    comment: null,
    createdBy: null,
    source: null,
    magnet: uri,
  };
}

function size(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]} (${n.toLocaleString('en-US')} bytes)`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padStart(widths[c]))).join('  '));
}

function torrentText(meta: Metainfo): string {
  const lines: string[] = [];
  const kv = (k: string, v: string) => lines.push(`${`${k}:`.padEnd(15)}${v}`);
  kv('name', meta.name);
  kv('version', meta.version);
  if (meta.infoHash) kv('info hash', toHex(meta.infoHash));
  if (meta.infoHashV2) kv('info hash v2', toHex(meta.infoHashV2));
  kv('size', size(meta.contentLength));
  const last = meta.totalLength - (meta.pieceCount - 1) * meta.pieceLength;
  kv('pieces', `${meta.pieceCount} x ${size(meta.pieceLength)}${last !== meta.pieceLength ? `, last ${last} bytes` : ''}`);
  kv('private', meta.private ? 'yes' : 'no');
  if (meta.creationDate !== undefined) kv('created', new Date(meta.creationDate * 1000).toISOString());
  if (meta.createdBy !== undefined) kv('created by', meta.createdBy);
  if (meta.comment !== undefined) kv('comment', meta.comment);
  if (meta.source !== undefined) kv('source', meta.source);
  lines.push('trackers:');
  if (meta.announce.length === 0) lines.push('  (none)');
  meta.announce.forEach((tier, i) => lines.push(`  tier ${i}: ${tier.join(' ')}`));
  if (meta.urlList.length > 0) {
    lines.push('web seeds:');
    for (const u of meta.urlList) lines.push(`  ${u}`);
  }
  const real = meta.files.filter((f) => !f.pad);
  lines.push(`files: ${real.length}${real.length !== meta.files.length ? ` (+${meta.files.length - real.length} pad files)` : ''}`);
  const rows = [['offset', 'length', 'path']];
  for (const f of real) rows.push([String(f.offset), String(f.length), f.path.join('/') + (f.symlinkPath ? ` -> ${f.symlinkPath.join('/')}` : '')]);
  for (const row of table(rows)) lines.push(`  ${row}`);
  return `${lines.join('\n')}\n`;
}

function magnetText(m: MagnetLink): string {
  const lines: string[] = [];
  const kv = (k: string, v: string) => lines.push(`${`${k}:`.padEnd(15)}${v}`);
  kv('name', m.name ?? '(unknown until the metadata is fetched)');
  if (m.infoHash) kv('info hash', toHex(m.infoHash));
  if (m.infoHashV2) kv('info hash v2', toHex(m.infoHashV2));
  if (m.length !== undefined) kv('size', size(m.length));
  lines.push('trackers:');
  if (m.trackers.length === 0) lines.push('  (none)');
  for (const t of m.trackers) lines.push(`  ${t}`);
  if (m.webSeeds.length > 0) lines.push('web seeds:', ...m.webSeeds.map((u) => `  ${u}`));
  if (m.peers.length > 0) lines.push('peers:', ...m.peers.map((p) => `  ${p}`));
  if (m.selectOnly) kv('select only', m.selectOnly.map((r) => (r.start === r.end ? `${r.start}` : `${r.start}-${r.end}`)).join(','));
  return `${lines.join('\n')}\n`;
}

export const infoCommand: Command = {
  name: 'info',
  summary: 'show what a torrent holds: name, info hashes, size, pieces, files, trackers',
  usage: '<torrent-file|URL|magnet|info-hash> [--json]',
  details: 'Reads a .torrent file (or fetches one over http/https), or decodes a magnet link or a bare info hash.',
  options: {
    json: { type: 'boolean', description: 'print one JSON document (shape in README.md, "info --json")' },
  },
  async run(values, positionals, io) {
    if (positionals.length !== 1) throw new TorrentkitError('BT_ERR_CLI_USAGE', 'expected one torrent (see torrentkit info --help)');
    const loaded = await loadTorrent(positionals[0], io.cwd, io.signal);
    if (values.json) {
      const doc = loaded.kind === 'torrent' ? torrentJson(loaded.meta) : magnetJson(loaded.magnet, positionals[0].trim());
      io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    } else {
      io.stdout.write(loaded.kind === 'torrent' ? torrentText(loaded.meta) : magnetText(loaded.magnet));
    }
    return 0;
  },
};
