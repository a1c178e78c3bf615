/**
 * Real players on `torrentkit stream`: a video made by ffmpeg with its index (moov) at the end of
 * the file, seeded at 512 KiB/s, so a player must seek to the end and back while the download is
 * far from complete. ffprobe reads the streams, ffmpeg -ss decodes frames at several points, and
 * mpv started by --mpv plays seconds of it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client } from '../../src/adapters/node/client.js';
import { run, startCli, torrentOf } from '../helpers/stream-cli.js';
import { requireTool, tempDir } from '../helpers/tools.js';

const SEED_RATE = 512 * 1024;

test('ffprobe, ffmpeg -ss and mpv play a video from torrentkit stream while it downloads', async (t) => {
  if (!requireTool(t, 'ffmpeg', ['ffmpeg', ['-version']]) || !requireTool(t, 'ffprobe', ['ffprobe', ['-version']]) || !requireTool(t, 'mpv')) return;
  const dir = tempDir(t);
  const folder = join(dir, 'seed', 'movie');
  mkdirSync(folder, { recursive: true });
  const video = join(folder, 'movie.mp4');
  // No +faststart: the moov atom is written after the media data.
  const made = await run('ffmpeg', [
    '-v', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=480x270:rate=25:duration=40',
    '-f', 'lavfi', '-i', 'sine=frequency=440:duration=40',
    '-vf', 'noise=alls=20:allf=t', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-b:v', '4M', '-maxrate', '4M', '-bufsize', '1M',
    '-c:a', 'aac', '-b:a', '96k', video,
  ], 120_000);
  assert.equal(made.code, 0, made.stderr);
  writeFileSync(join(folder, 'movie.srt'), '1\n00:00:01,000 --> 00:00:03,000\nhello\n');
  const torrent = await torrentOf(folder, 256 * 1024);
  writeFileSync(join(dir, 'movie.torrent'), torrent);
  const seeder = new Client({ lsd: false, dht: false, path: join(dir, 'seed'), port: 0, bindAddress: '127.0.0.2', localAddress: '127.0.0.2', hashThreads: 2 });
  t.after(() => seeder.close());
  const s = await seeder.add(torrent, { uploadLimit: SEED_RATE });
  await s.whenDone();
  const size = s.files.find((f) => f.name === 'movie.mp4')!.length;

  const cli = startCli(['stream', 'movie.torrent', '-o', 'leech1', '--port', '0', '--no-dht', '--no-lsd', '--peer', `127.0.0.2:${seeder.port}`], dir);
  t.after(() => {
    if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
  });
  const url = (await cli.waitFor(/playing (http:\/\/\S+)/))[1];
  assert.match(url, /\/movie\.mp4$/, 'the video is chosen, not the subtitles');

  const probe = await run('ffprobe', ['-v', 'error', '-rw_timeout', '30000000', '-show_entries', 'stream=codec_type,codec_name', '-of', 'json', url]);
  assert.equal(probe.code, 0, `${probe.stderr} ${cli.stderr()} ${cli.stdout()}`);
  const streams = (JSON.parse(probe.stdout) as { streams: { codec_type: string; codec_name: string }[] }).streams;
  assert.deepEqual(streams.map((x) => `${x.codec_type}:${x.codec_name}`).sort(), ['audio:aac', 'video:h264']);

  for (const at of [31, 7, 19]) {
    const dec = await run('ffmpeg', ['-v', 'error', '-rw_timeout', '30000000', '-ss', String(at), '-i', url, '-frames:v', '3', '-an', '-f', 'framecrc', '-']);
    assert.equal(dec.code, 0, `${dec.stderr.split('\n').filter((l) => /request|Range|rror/.test(l)).join('\n')}\n${cli.stderr()}`);
    const frames = dec.stdout.split('\n').filter((l) => /^0,/.test(l));
    assert.equal(frames.length, 3, `three frames decoded at ${at}s`);
  }
  const stats = (await (await fetch(new URL('/stats.json', url))).json()) as { progress: number; peers: number };
  assert.ok(stats.progress < 0.5, `download far from complete (${stats.progress})`);
  assert.equal(stats.peers, 1);
  cli.child.kill('SIGINT');
  assert.equal(await cli.exit, 0, cli.stderr());

  // mpv started by the command itself on a fresh download; the command ends when mpv does.
  const uploadedBefore = s.stats().uploaded;
  const withMpv = startCli(
    ['stream', 'movie.torrent', '-o', 'leech2', '--port', '0', '--no-dht', '--no-lsd', '--quiet', '--mpv', '--subtitles', 'seed/movie/movie.srt',
      '--player-args=--no-config --vo=null --ao=null --start=5 --length=3', '--peer', `127.0.0.2:${seeder.port}`],
    dir,
  );
  t.after(() => {
    if (withMpv.child.exitCode === null) withMpv.child.kill('SIGKILL');
  });
  assert.equal(await withMpv.exit, 0, withMpv.stderr());
  assert.match(withMpv.stdout(), /playing http:/);
  const sent = s.stats().uploaded - uploadedBefore;
  assert.ok(sent < size / 2, `mpv played with ${sent} of ${size} bytes sent`);
});
