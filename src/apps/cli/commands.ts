/** The list of CLI commands, in the order --help shows them. */
import type { Command } from './command.js';
import { dhtCommand } from './dht.js';

export const commands: Command[] = [dhtCommand];
