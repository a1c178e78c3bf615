import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commands } from './commands.js';

test('every lazily loaded command has the name and summary its entry lists', async () => {
  assert.ok(commands.length > 0);
  const names = new Set<string>();
  for (const entry of commands) {
    const cmd = await entry.load();
    assert.equal(cmd.name, entry.name);
    assert.equal(cmd.summary, entry.summary, `summary of ${entry.name}`);
    assert.equal(typeof cmd.run, 'function');
    names.add(entry.name);
  }
  assert.equal(names.size, commands.length, 'command names are unique');
});
