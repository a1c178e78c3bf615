/**
 * The shape of a CLI command. Each command lives in its own file and declares its options for
 * node:util parseArgs; main.ts dispatches and turns errors into one line with their code.
 */
import type { ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>[string] & {
  /** One line for --help. */
  description: string;
  /** Placeholder shown in --help, e.g. URL. */
  value?: string;
};

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Working directory against which relative paths are resolved. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
}

export type ParsedValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface Command {
  name: string;
  summary: string;
  /** Usage line after `torrentkit <name>`, e.g. `<file|folder> [options]`. */
  usage: string;
  /** Longer text printed under the usage line by --help. */
  details?: string;
  options: Record<string, OptionSpec>;
  /** Runs the command; returns the exit code. Throws TorrentkitError for user errors. */
  run(values: ParsedValues, positionals: string[], io: CliIo): Promise<number>;
}

/** Formats a command's --help text. */
export function formatHelp(cmd: Command): string {
  const lines = [`Usage: torrentkit ${cmd.name} ${cmd.usage}`, '', cmd.summary];
  if (cmd.details) lines.push('', cmd.details);
  const opts = Object.entries({ ...cmd.options, help: { type: 'boolean', description: 'show this help' } } as Record<
    string,
    OptionSpec
  >);
  lines.push('', 'Options:');
  const rows = opts.map(([name, spec]) => {
    const short = spec.short ? `-${spec.short}, ` : '    ';
    const value = spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : '';
    return [`  ${short}--${name}${value}`, spec.description + (spec.multiple ? ' (repeatable)' : '')];
  });
  const width = Math.max(...rows.map((r) => r[0].length)) + 2;
  for (const [left, right] of rows) lines.push(left.padEnd(width) + right);
  return `${lines.join('\n')}\n`;
}
