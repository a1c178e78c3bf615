/** The list of CLI commands, in the order --help shows them. */
import type { Command } from './command.js';
import { trackerCommand } from './tracker.js';

export const commands: Command[] = [trackerCommand];
