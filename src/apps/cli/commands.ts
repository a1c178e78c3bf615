/** The list of CLI commands, in the order --help shows them. */
import type { Command } from './command.js';
import { createCommand } from './create.js';

export const commands: Command[] = [createCommand];
