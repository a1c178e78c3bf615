import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../../../test/helpers/tools.js';
import { commands } from './commands.js';

test('every lazily loaded command has the name and summary its entry announces', async () => {
  for (const entry of commands) {
    const cmd = await entry.load();
    assert.equal(cmd.name, entry.name);
    assert.equal(cmd.summary, entry.summary, `summary of ${entry.name}`);
  }
});

test('--help on every command: usage on stdout, exit 0', () => {
  for (const entry of commands) {
    const r = runCli([entry.name, '--help']);
    assert.equal(r.status, 0, `${entry.name} --help: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`torrentkit ${entry.name}\\b`), `${entry.name} --help names the command`);
    assert.equal(r.stderr, '');
  }
});

test('a user error is one line with its code; --debug adds the stack', () => {
  const plain = runCli(['info', 'no-such.torrent']);
  assert.notEqual(plain.status, 0);
  assert.match(plain.stderr, /^torrentkit info: BT_ERR_\w+: .*\n$/);
  assert.equal(plain.stderr.split('\n').length, 2, 'one line');
  const debug = runCli(['info', 'no-such.torrent', '--debug']);
  assert.notEqual(debug.status, 0);
  assert.match(debug.stderr, /BT_ERR_\w+/);
  assert.match(debug.stderr, /\n\s+at /, 'a stack trace with --debug');
});
