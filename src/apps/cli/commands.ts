/** The list of CLI commands, in the order --help shows them. */
import type { Command } from './command.js';
import { createCommand } from './create.js';
import { dhtCommand } from './dht.js';
import { downloadCommand } from './download.js';
import { infoCommand } from './info.js';
import { magnetCommand } from './magnet.js';
import { seedCommand } from './seed.js';
import { streamCommand } from './stream.js';
import { trackerCommand } from './tracker.js';

export const commands: Command[] = [
  downloadCommand,
  seedCommand,
  streamCommand,
  createCommand,
  infoCommand,
  magnetCommand,
  trackerCommand,
  dhtCommand,
];
