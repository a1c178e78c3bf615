import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createStreamHandler, type HttpRequest, type HttpResponse, type ServedFile } from './handler.js';
import { parseRange } from './ranges.js';

function fakeFile(index: number, pathString: string, data: Uint8Array, pad = false): ServedFile & { opened: { start: number; end: number }[] } {
  const opened: { start: number; end: number }[] = [];
  return {
    index,
    name: pathString.split('/').at(-1)!,
    pathString,
    length: data.length,
    pad,
    opened,
    stream({ start, end }) {
      opened.push({ start, end });
      return new ReadableStream({
        start(c) {
          c.enqueue(data.slice(start, end + 1));
          c.close();
        },
      });
    },
  };
}

const movie = new Uint8Array(1000).map((_, i) => i & 0xff);
const files = [
  fakeFile(0, 'Show/episode 1.mp4', movie),
  fakeFile(1, 'Show/.pad/24', new Uint8Array(24), true),
  fakeFile(2, 'Show/episode 1.srt', new TextEncoder().encode('1\n00:00:01,000 --> 00:00:02,000\nhi\n')),
];
const handler = createStreamHandler({ name: 'Show', infoHashHex: 'ab'.repeat(20), files, stats: () => ({ progress: 0.25, peers: 3 }) });

function req(url: string, headers: Record<string, string> = {}, method = 'GET'): HttpResponse {
  return handler({ method, url, headers: { host: '127.0.0.1:8888', ...headers } } satisfies HttpRequest);
}

async function body(res: HttpResponse): Promise<Uint8Array> {
  if (res.body === undefined) return new Uint8Array(0);
  if (typeof res.body === 'string') return new TextEncoder().encode(res.body);
  if (res.body instanceof Uint8Array) return res.body;
  const parts: Uint8Array[] = [];
  for await (const c of res.body) parts.push(c);
  return new Uint8Array(Buffer.concat(parts));
}
const textOf = async (res: HttpResponse) => new TextDecoder().decode(await body(res));

test('index: HTML by default, JSON on Accept: application/json; pad files hidden', async () => {
  const html = req('/');
  assert.equal(html.status, 200);
  assert.match(html.headers['content-type'], /text\/html/);
  const page = await textOf(html);
  assert.match(page, /href="\/Show\/episode%201\.mp4"/);
  assert.doesNotMatch(page, /\.pad/);
  const json = req('/', { accept: 'application/json' });
  assert.equal(json.headers['content-type'], 'application/json');
  const listed = JSON.parse(await textOf(json));
  assert.equal(listed.infoHash, 'ab'.repeat(20));
  assert.deepEqual(
    listed.files.map((f: { index: number; url: string; length: number }) => [f.index, f.url, f.length]),
    [
      [0, '/Show/episode%201.mp4', 1000],
      [2, '/Show/episode%201.srt', files[2].length],
    ],
  );
});

test('a file by index and by path: 200 whole, Accept-Ranges, type from the extension, CORS', async () => {
  for (const url of ['/0', '/Show/episode%201.mp4']) {
    const res = req(url);
    assert.equal(res.status, 200);
    assert.equal(res.headers['accept-ranges'], 'bytes');
    assert.equal(res.headers['content-type'], 'video/mp4');
    assert.equal(res.headers['content-length'], '1000');
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.deepEqual(await body(res), movie);
  }
  assert.equal(req('/2').headers['content-type'], 'application/x-subrip');
  assert.equal(req('/1').status, 404, 'pad files are not served');
  assert.equal(req('/7').status, 404);
  assert.equal(req('/Show/nothing.mkv').status, 404);
  assert.equal(req('/%E0%A4%A').status, 400);
});

test('single ranges answer 206 with Content-Range; suffix and open ranges; unsatisfiable 416', async () => {
  const r = req('/0', { range: 'bytes=100-199' });
  assert.equal(r.status, 206);
  assert.equal(r.headers['content-range'], 'bytes 100-199/1000');
  assert.equal(r.headers['content-length'], '100');
  assert.deepEqual(await body(r), movie.slice(100, 200));
  const open = req('/0', { range: 'bytes=990-' });
  assert.equal(open.headers['content-range'], 'bytes 990-999/1000');
  assert.deepEqual(await body(open), movie.slice(990));
  const suffix = req('/0', { range: 'bytes=-10' });
  assert.equal(suffix.headers['content-range'], 'bytes 990-999/1000');
  const past = req('/0', { range: 'bytes=5000-6000' });
  assert.equal(past.status, 416);
  assert.equal(past.headers['content-range'], 'bytes */1000');
  const clipped = req('/0', { range: 'bytes=900-5000' });
  assert.equal(clipped.headers['content-range'], 'bytes 900-999/1000');
  // Not understood: the whole file.
  assert.equal(req('/0', { range: 'bytes=1-2,5-6' }).status, 200);
  assert.equal(req('/0', { range: 'items=1-2' }).status, 200);
  // If-Range with another validator: the whole file.
  assert.equal(req('/0', { range: 'bytes=1-2', 'if-range': '"other"' }).status, 200);
});

test('HEAD has the headers and no body, and opens no reader', async () => {
  const before = files[0].opened.length;
  const r = req('/0', { range: 'bytes=10-19' }, 'HEAD');
  assert.equal(r.status, 206);
  assert.equal(r.headers['content-length'], '10');
  assert.equal(r.body, undefined);
  assert.equal(files[0].opened.length, before);
});

test('playlist, stats, OPTIONS and other methods', async () => {
  const m3u = await textOf(req('/playlist.m3u'));
  assert.equal(m3u, '#EXTM3U\n#EXTINF:-1,Show/episode 1.mp4\nhttp://127.0.0.1:8888/Show/episode%201.mp4\n');
  const stats = req('/stats.json');
  assert.deepEqual(JSON.parse(await textOf(stats)), { progress: 0.25, peers: 3 });
  const pre = req('/0', { origin: 'http://example.com', 'access-control-request-headers': 'range' }, 'OPTIONS');
  assert.equal(pre.status, 204);
  assert.match(pre.headers['access-control-allow-headers'], /Range/);
  const post = req('/0', {}, 'POST');
  assert.equal(post.status, 405);
  assert.equal(post.headers.allow, 'GET, HEAD, OPTIONS');
});

test('parseRange edge cases', () => {
  assert.deepEqual(parseRange(undefined, 10), { kind: 'none' });
  assert.deepEqual(parseRange('bytes=0-0', 10), { kind: 'range', start: 0, end: 0 });
  assert.deepEqual(parseRange('bytes=5-2', 10), { kind: 'none' });
  assert.deepEqual(parseRange('bytes=-0', 10), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=-50', 10), { kind: 'range', start: 0, end: 9 });
  assert.deepEqual(parseRange('bytes=0-', 0), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=10-', 10), { kind: 'unsatisfiable' });
});
