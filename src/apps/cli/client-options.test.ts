import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs } from 'node:util';
import { DEFAULT_BOOTSTRAP } from '../../engines/dht/types.js';
import { dhtOptions, lsdOptions } from './client-options.js';
import type { Command, ParsedValues } from './command.js';
import { downloadCommand } from './download.js';
import { seedCommand } from './seed.js';
import { streamCommand } from './stream.js';

const PUBLIC = DEFAULT_BOOTSTRAP.map((b) => `${b.host}:${b.port}`);

function parse(command: Command, args: string[]): ParsedValues {
  return parseArgs({ args, options: command.options, allowPositionals: true, strict: true }).values as ParsedValues;
}

test('download, seed and stream join the DHT through the public routers unless told otherwise', () => {
  for (const command of [downloadCommand, seedCommand, streamCommand]) {
    assert.deepEqual(dhtOptions(parse(command, ['x']), undefined), { dht: { port: 0 }, bootstrap: PUBLIC }, command.name);
    assert.deepEqual(dhtOptions(parse(command, ['x', '--dht']), undefined), { dht: { port: 0 }, bootstrap: PUBLIC }, `${command.name} --dht`);
    assert.deepEqual(
      dhtOptions(parse(command, ['x', '--bootstrap', '127.0.0.1:1', '--bootstrap', '127.0.0.2:2']), undefined),
      { dht: { port: 0 }, bootstrap: ['127.0.0.1:1', '127.0.0.2:2'] },
      `${command.name} --bootstrap replaces the routers`,
    );
    assert.deepEqual(dhtOptions(parse(command, ['x', '--no-dht', '--bootstrap', '127.0.0.1:1']), undefined), { dht: false }, `${command.name} --no-dht`);
    assert.deepEqual(lsdOptions(parse(command, ['x'])), { lsd: true }, `${command.name}: LSD on`);
    assert.deepEqual(lsdOptions(parse(command, ['x', '--no-lsd'])), { lsd: false }, `${command.name} --no-lsd`);
  }
  assert.deepEqual(dhtOptions(parse(downloadCommand, ['x', '--port', '7001']), 7001), { dht: { port: 7001 }, bootstrap: PUBLIC }, 'the DHT shares --port');
  assert.ok(PUBLIC.includes('router.bittorrent.com:6881'));
});
