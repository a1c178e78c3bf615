import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { runCli, tempDir } from '../../../test/helpers/tools.js';
import { decode, decodeWithRaw } from '../../codecs/bencode/decode.js';
import type { BDict } from '../../codecs/bencode/types.js';
import { utf8Decode } from '../../util/bytes.js';
import { parseSize } from './create.js';

function folder(t: Parameters<typeof tempDir>[0]): string {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'content', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'content', 'a.txt'), 'hello\n');
  writeFileSync(join(dir, 'content', 'sub', 'b.bin'), randomBytes(100_000));
  return dir;
}

test('create writes a v1 torrent, prints a JSON summary and nothing on a non-TTY stderr', (t) => {
  const dir = folder(t);
  const r = runCli(['create', 'content', '--json', '-a', 'http://t1/announce,http://t2/announce', '-a', 'udp://t3:1/announce', '-w', 'http://ws/', '-c', 'note', '--private', '-l', '32K', '-t', '2'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const summary = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(summary), ['file', 'name', 'version', 'infoHash', 'infoHashV2', 'pieceLength', 'pieceCount', 'totalLength', 'fileCount', 'padFileCount', 'private', 'magnet', 'elapsedMs']);
  assert.match(summary.magnet, new RegExp(`^magnet:\\?xt=urn:btih:${summary.infoHash}`, 'i'));
  // What `torrentkit info` and `torrentkit magnet` read from the file agrees with the summary.
  const info = runCli(['info', summary.file, '--json'], { cwd: dir });
  assert.equal(info.status, 0, info.stderr);
  const shown = JSON.parse(info.stdout);
  assert.equal(shown.infoHash, summary.infoHash);
  assert.equal(shown.private, true);
  const magnet = runCli(['magnet', summary.file], { cwd: dir });
  assert.equal(magnet.stdout.trim(), summary.magnet);
  assert.equal(summary.file, join(dir, 'content.torrent'));
  assert.equal(summary.version, 'v1');
  assert.equal(summary.infoHashV2, null);
  assert.equal(summary.pieceLength, 32768);
  assert.equal(summary.pieceCount, 4);
  assert.equal(summary.totalLength, 100_006);
  assert.equal(summary.fileCount, 2);
  const bytes = readFileSync(summary.file);
  const { value, raw } = decodeWithRaw(bytes, ['info']);
  assert.equal(createHash('sha1').update(raw.get('info')!).digest('hex'), summary.infoHash);
  const torrent = value as BDict;
  assert.equal(utf8Decode(torrent.announce as Uint8Array), 'http://t1/announce');
  assert.deepEqual((torrent['announce-list'] as Uint8Array[][]).map((tier) => tier.map((u) => utf8Decode(u))), [['http://t1/announce', 'http://t2/announce'], ['udp://t3:1/announce']]);
  assert.equal(utf8Decode(torrent.comment as Uint8Array), 'note');
  assert.equal(utf8Decode(torrent['created by'] as Uint8Array), 'torrentkit 0.1.0');
  assert.equal(typeof torrent['creation date'], 'number');
  assert.equal((torrent.info as BDict).private, 1);
  assert.deepEqual((torrent['url-list'] as Uint8Array[]).map((u) => utf8Decode(u)), ['http://ws/'], 'the web seed (BEP 19)');
});

test('create --hybrid and --v2 with text output; --no-date gives byte-identical output', (t) => {
  const dir = folder(t);
  const r = runCli(['create', join(dir, 'content'), '--hybrid', '-o', join(dir, 'h.torrent'), '--no-date', '--name', 'renamed'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^created .*h\.torrent\nname: +renamed\ninfo hash: +[0-9a-f]{40}\ninfo hash v2: +[0-9a-f]{64}\n/);
  assert.equal(utf8Decode(((decode(readFileSync(join(dir, 'h.torrent'))) as BDict).info as BDict).name as Uint8Array), 'renamed', '--name in the written info');
  const again = runCli(['create', join(dir, 'content'), '--hybrid', '-o', join(dir, 'h2.torrent'), '--no-date', '--name', 'renamed'], { cwd: dir });
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual(readFileSync(join(dir, 'h.torrent')), readFileSync(join(dir, 'h2.torrent')));
  const v2 = runCli(['create', 'content', '--v2', '--json', '-o', 'v2.torrent'], { cwd: dir });
  assert.equal(v2.status, 0, v2.stderr);
  const s = JSON.parse(v2.stdout);
  assert.equal(s.infoHash, null);
  assert.match(s.infoHashV2, /^[0-9a-f]{64}$/);
  const info = (decode(readFileSync(join(dir, 'v2.torrent'))) as BDict).info as BDict;
  assert.equal(info['meta version'], 2);
  assert.equal(info.pieces, undefined);
});

test('create reports user errors with a code and a non-zero exit', (t) => {
  const dir = folder(t);
  const cases: [string[], number, string][] = [
    [['create'], 2, 'BT_ERR_CLI_USAGE'],
    [['create', 'nope'], 1, 'BT_ERR_CREATE_INPUT'],
    [['create', 'content', '--v1', '--v2'], 2, 'BT_ERR_CLI_USAGE'],
    [['create', 'content', '-l', '1000'], 1, 'BT_ERR_CREATE_PIECE_LENGTH'],
    [['create', 'content', '-l', 'big'], 2, 'BT_ERR_CLI_USAGE'],
    [['create', 'content', '-t', '0'], 2, 'BT_ERR_CLI_USAGE'],
    [['create', 'content', '--bogus'], 2, 'BT_ERR_CLI_USAGE'],
    [['create', 'content', '-o', 'no/such/dir/x.torrent'], 1, 'BT_ERR_CREATE_OUTPUT'],
    [['create', 'content', '--name', 'a/b', '-o', 'n.torrent'], 1, 'BT_ERR_CREATE_NAME'],
  ];
  for (const [args, status, code] of cases) {
    const r = runCli(args, { cwd: dir });
    assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^torrentkit create: ${code}: `), args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line, no stack trace');
  }
  assert.equal(runCli(['create', 'content'], { cwd: dir }).status, 0);
  const exists = runCli(['create', 'content'], { cwd: dir });
  assert.equal(exists.status, 1);
  assert.match(exists.stderr, /BT_ERR_CREATE_OUTPUT_EXISTS/);
  assert.equal(runCli(['create', 'content', '--force'], { cwd: dir }).status, 0);
  const help = runCli(['create', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--piece-length BYTES/);
});

test('parseSize reads plain numbers and K/M/G suffixes', () => {
  assert.equal(parseSize('262144'), 262144);
  assert.equal(parseSize('256K'), 262144);
  assert.equal(parseSize('4MiB'), 4 * 1024 * 1024);
  assert.equal(parseSize('1g'), 1024 ** 3);
  assert.throws(() => parseSize('1.5M'));
});

test('on a TTY, progress goes to stderr and the line is cleared at the end', async (t) => {
  const dir = folder(t);
  const { main } = await import('./main.js');
  const collect = (tty: boolean) => {
    const s = new PassThrough() as PassThrough & { isTTY?: boolean };
    s.isTTY = tty;
    let text = '';
    s.on('data', (c: Buffer) => (text += c.toString()));
    return { stream: s, text: () => text };
  };
  const out = collect(false);
  const err = collect(true);
  const code = await main(['create', 'content', '-l', '16K', '-o', 'p.torrent'], {
    stdout: out.stream,
    stderr: err.stream,
    cwd: dir,
    env: {},
    signal: new AbortController().signal,
  });
  assert.equal(code, 0, err.text());
  assert.match(err.text(), /\r\x1b\[2Khashing 100\.0%/);
  assert.ok(err.text().endsWith('\r\x1b[2K'), 'the progress line is cleared');
  assert.match(out.text(), /^created /);

  // Interrupted (SIGINT aborts io.signal): a typed error, no output file.
  const err2 = collect(false);
  const code2 = await main(['create', 'content', '-o', 'aborted.torrent'], {
    stdout: collect(false).stream,
    stderr: err2.stream,
    cwd: dir,
    env: {},
    signal: AbortSignal.abort(),
  });
  assert.equal(code2, 1);
  assert.match(err2.text(), /^torrentkit create: BT_ERR_ABORTED: /);
  assert.equal(existsSync(join(dir, 'aborted.torrent')), false);
});
