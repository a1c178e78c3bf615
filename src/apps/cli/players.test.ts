import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTorrentkitError } from '../../util/errors.js';
import { playerCommand, splitArgs } from './players.js';
import { defaultFile } from './stream.js';

test('splitArgs honours quotes', () => {
  assert.deepEqual(splitArgs(`--vo=null  --title "a b" 'c d' ""`), ['--vo=null', '--title', 'a b', 'c d', '']);
  assert.throws(() => splitArgs('"open'), (e) => isTorrentkitError(e, 'BT_ERR_CLI_USAGE'));
});

test('player command lines put subtitles and extra args before the URL', () => {
  const url = 'http://127.0.0.1:8888/0';
  assert.deepEqual(playerCommand('mpv', url, { subtitles: '/s.srt', args: ['--ao=null'] }), ['mpv', '--sub-file=/s.srt', '--ao=null', url]);
  assert.deepEqual(playerCommand('vlc', url, { subtitles: '/s.srt' }), ['vlc', '--sub-file=/s.srt', url, '--play-and-exit']);
  assert.deepEqual(playerCommand('mplayer', url, { subtitles: '/s.srt' }), ['mplayer', '-sub', '/s.srt', url]);
  assert.deepEqual(playerCommand('iina', url), ['iina', '--no-stdin', url]);
  assert.deepEqual(playerCommand({ command: 'ffplay -autoexit' }, url, { args: ['-nodisp'] }), ['ffplay', '-autoexit', '-nodisp', url]);
});

test('the default file is the largest video, else the largest file; pad files never', () => {
  const f = (index: number, name: string, length: number, pad = false) => ({ index, name, length, pad });
  assert.equal(defaultFile([f(0, 'sample.mkv', 10), f(1, 'movie.mp4', 500), f(2, 'extras.zip', 9000), f(3, '.pad/1', 99999, true)]), 1);
  assert.equal(defaultFile([f(0, 'a.txt', 10), f(1, 'b.bin', 20)]), 1);
});
