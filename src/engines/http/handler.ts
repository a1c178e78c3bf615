/**
 * The HTTP face of a streaming torrent, as a pure function `(request) => response` (fastify's
 * `inject` style: tested in-process, the node:http adapter in src/adapters/node/http-server.ts
 * only moves bytes).
 *
 * Routes: `/` an HTML index of the files (JSON with `Accept: application/json`); `/<index>` and
 * `/<path>` a file, with single byte ranges (206 + Content-Range; 416 when unsatisfiable), HEAD,
 * Content-Type from the extension and `Accept-Ranges: bytes`; `/playlist.m3u` the media files;
 * `/stats.json` progress, rates and peers. Every response allows cross-origin reads (CORS) so a
 * browser page can play the files; OPTIONS answers preflights.
 */
import { contentTypeOf, isMedia } from './mime.js';
import { parseRange } from './ranges.js';

export interface HttpRequest {
  method: string;
  /** Path and query, as on the request line ("/0?x=1"). */
  url: string;
  /** Header names in lower case. */
  headers: Readonly<Record<string, string | undefined>>;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** Absent for HEAD and empty responses; a stream is cancelled if the client goes away. */
  body?: string | Uint8Array | ReadableStream<Uint8Array>;
}

/** A file as the handler needs it (TorrentFile satisfies it). */
export interface ServedFile {
  readonly index: number;
  readonly name: string;
  readonly pathString: string;
  readonly length: number;
  readonly pad?: boolean;
  /** Bytes start..end (inclusive), available as soon as their pieces verify. */
  stream(range: { start: number; end: number }): ReadableStream<Uint8Array>;
}

export interface ServedTorrent {
  readonly name: string;
  readonly infoHashHex: string;
  readonly files: readonly ServedFile[];
  /** Anything JSON-serialisable: progress, rates, peers. */
  stats(): unknown;
}

const CORS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD, OPTIONS',
  'access-control-allow-headers': 'Range',
  'access-control-expose-headers': 'Content-Range, Content-Length, Accept-Ranges',
};

function reply(status: number, headers: Record<string, string>, body?: string | Uint8Array): HttpResponse {
  const h = { ...CORS, ...headers };
  if (body !== undefined) h['content-length'] = String(typeof body === 'string' ? new TextEncoder().encode(body).length : body.length);
  return { status, headers: h, body };
}

function text(status: number, message: string): HttpResponse {
  return reply(status, { 'content-type': 'text/plain; charset=utf-8' }, `${message}\n`);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The URL path of a file: its path components, each percent-encoded. */
export function filePath(file: ServedFile): string {
  return `/${file.pathString.split('/').map(encodeURIComponent).join('/')}`;
}

export function createStreamHandler(torrent: ServedTorrent): (req: HttpRequest) => HttpResponse {
  const visible = () => torrent.files.filter((f) => !f.pad);
  const byPath = new Map(visible().map((f) => [f.pathString, f]));

  return (req) => {
    const method = req.method.toUpperCase();
    if (method === 'OPTIONS') return reply(204, { 'access-control-max-age': '600' });
    if (method !== 'GET' && method !== 'HEAD') {
      const res = text(405, 'method not allowed');
      res.headers.allow = 'GET, HEAD, OPTIONS';
      return res;
    }
    const head = method === 'HEAD';
    const q = req.url.indexOf('?');
    const rawPath = q >= 0 ? req.url.slice(0, q) : req.url;
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      return text(400, 'bad URL encoding');
    }
    const res = route(path, req, head);
    if (head && res.body !== undefined) {
      if (res.body instanceof ReadableStream) void res.body.cancel();
      return { status: res.status, headers: res.headers };
    }
    return res;
  };

  function route(path: string, req: HttpRequest, head: boolean): HttpResponse {
    if (path === '/' || path === '') {
      const files = visible().map((f) => ({ index: f.index, name: f.name, path: f.pathString, length: f.length, url: filePath(f) }));
      if ((req.headers.accept ?? '').includes('application/json')) {
        return reply(200, { 'content-type': 'application/json', vary: 'Accept' }, JSON.stringify({ name: torrent.name, infoHash: torrent.infoHashHex, files }));
      }
      const rows = files.map((f) => `<li><a href="${escapeHtml(f.url)}">${escapeHtml(f.path)}</a> (${f.length} bytes)</li>`).join('\n');
      const html = `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(torrent.name)}</title></head>\n<body><h1>${escapeHtml(torrent.name)}</h1>\n<ul>\n${rows}\n</ul>\n<p><a href="/playlist.m3u">playlist.m3u</a> · <a href="/stats.json">stats.json</a></p></body></html>\n`;
      return reply(200, { 'content-type': 'text/html; charset=utf-8', vary: 'Accept' }, html);
    }
    if (path === '/playlist.m3u') {
      const host = req.headers.host ?? 'localhost';
      const media = visible().filter((f) => isMedia(f.name));
      const lines = ['#EXTM3U', ...(media.length > 0 ? media : visible()).flatMap((f) => [`#EXTINF:-1,${f.pathString}`, `http://${host}${filePath(f)}`])];
      return reply(200, { 'content-type': 'audio/x-mpegurl; charset=utf-8' }, `${lines.join('\n')}\n`);
    }
    if (path === '/stats.json') {
      return reply(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }, JSON.stringify(torrent.stats()));
    }
    const rel = path.slice(1);
    let file = byPath.get(rel);
    if (!file && /^\d+$/.test(rel)) {
      const f = torrent.files[Number(rel)];
      if (f && !f.pad) file = f;
    }
    if (!file) return text(404, 'no such file');
    return serveFile(file, req, head);
  }

  function serveFile(file: ServedFile, req: HttpRequest, head: boolean): HttpResponse {
    const size = file.length;
    const headers: Record<string, string> = {
      'content-type': contentTypeOf(file.name),
      'accept-ranges': 'bytes',
      etag: `"${torrent.infoHashHex}-${file.index}"`,
    };
    const ifRange = req.headers['if-range'];
    const range = ifRange !== undefined && ifRange !== headers.etag ? { kind: 'none' as const } : parseRange(req.headers.range, size);
    if (range.kind === 'unsatisfiable') {
      return reply(416, { ...headers, 'content-range': `bytes */${size}`, 'content-type': 'text/plain; charset=utf-8' }, 'range not satisfiable\n');
    }
    const partial = range.kind === 'range';
    const start = partial ? range.start : 0;
    const end = partial ? range.end : size - 1;
    const out: Record<string, string> = { ...CORS, ...headers, 'content-length': String(Math.max(0, end - start + 1)) };
    if (partial) out['content-range'] = `bytes ${start}-${end}/${size}`;
    const status = partial ? 206 : 200;
    if (head || size === 0) return { status, headers: out, body: head ? undefined : new Uint8Array(0) };
    return { status, headers: out, body: file.stream({ start, end }) };
  }
}
