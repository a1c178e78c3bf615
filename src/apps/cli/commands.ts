/** The list of CLI commands, in the order --help shows them. */
import type { Command } from './command.js';

export const commands: Command[] = [];
