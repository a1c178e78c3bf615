/** The list of CLI commands, in the order --help shows them. */
import type { Command } from './command.js';
import { infoCommand } from './info.js';
import { magnetCommand } from './magnet.js';

export const commands: Command[] = [infoCommand, magnetCommand];
