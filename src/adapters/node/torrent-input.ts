/**
 * Loads what a user names as a torrent on the command line: a .torrent file, an http(s) URL of
 * one, a magnet link or a bare info hash (parseTorrentId decides which).
 */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type MagnetLink, type Metainfo, parseMetainfo, parseTorrentId } from '../../codecs/metainfo/index.js';
import { nodeDigests } from '../../adapters/node/digests.js';
import { TorrentkitError } from '../../util/errors.js';

/** Largest .torrent file read (the bencode decoder's own default limit). */
export const MAX_TORRENT_FILE_BYTES = 256 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 30_000;

export type LoadedTorrent =
  | { readonly kind: 'torrent'; readonly meta: Metainfo; readonly bytes: Uint8Array }
  | { readonly kind: 'magnet'; readonly magnet: MagnetLink };

async function readTorrentFile(path: string): Promise<Uint8Array> {
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new TorrentkitError('BT_ERR_CLI_READ', `${path} is not a file`);
    if (st.size > MAX_TORRENT_FILE_BYTES) throw new TorrentkitError('BT_ERR_CLI_READ', `${path} is larger than ${MAX_TORRENT_FILE_BYTES} bytes`);
    return new Uint8Array(await readFile(path));
  } catch (err) {
    if (err instanceof TorrentkitError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new TorrentkitError('BT_ERR_CLI_READ', code === 'ENOENT' ? `no such file: ${path}` : `cannot read ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

async function fetchTorrent(url: string, signal: AbortSignal): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(FETCH_TIMEOUT_MS)]) });
  } catch (err) {
    throw new TorrentkitError('BT_ERR_CLI_FETCH', `cannot fetch ${url}: ${(err as Error).message}`, { cause: err });
  }
  if (!res.ok) throw new TorrentkitError('BT_ERR_CLI_FETCH', `${url} answered HTTP ${res.status}`);
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > MAX_TORRENT_FILE_BYTES) throw new TorrentkitError('BT_ERR_CLI_FETCH', `${url} is larger than ${MAX_TORRENT_FILE_BYTES} bytes`);
  const body = new Uint8Array(await res.arrayBuffer());
  if (body.length > MAX_TORRENT_FILE_BYTES) throw new TorrentkitError('BT_ERR_CLI_FETCH', `${url} is larger than ${MAX_TORRENT_FILE_BYTES} bytes`);
  return body;
}

/** Loads a torrent id. Only .torrent files and URLs are parsed; magnets carry no metainfo. */
export async function loadTorrent(id: string, cwd: string, signal: AbortSignal): Promise<LoadedTorrent> {
  const parsed = parseTorrentId(id);
  if (parsed.kind === 'magnet') return { kind: 'magnet', magnet: parsed.magnet };
  const bytes = parsed.kind === 'url' ? await fetchTorrent(parsed.url, signal) : await readTorrentFile(resolve(cwd, parsed.path));
  return { kind: 'torrent', meta: parseMetainfo(bytes, { digests: nodeDigests }), bytes };
}
