import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commands } from './commands.js';

test('every lazily loaded command has the name and summary its entry announces', async () => {
  for (const entry of commands) {
    const cmd = await entry.load();
    assert.equal(cmd.name, entry.name);
    assert.equal(cmd.summary, entry.summary, `summary of ${entry.name}`);
  }
});
