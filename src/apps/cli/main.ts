/**
 * CLI dispatcher: `torrentkit <command> [options]`. User errors print one line with their code
 * and exit non-zero; stack traces only with --debug.
 */
import { parseArgs } from 'node:util';
import { isTorrentkitError, TorrentkitError } from '../../util/errors.js';
import { type CliIo, type Command, formatHelp } from './command.js';
import { commands } from './commands.js';

const VERSION = '0.1.0';

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 4;
  return [
    'Usage: torrentkit <command> [options]',
    '',
    'A BitTorrent toolkit: create, inspect, download, seed, stream and track torrents.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Run `torrentkit <command> --help` for the options of a command.',
    'Global options: --debug (stack traces), --version, --help',
    '',
  ].join('\n');
}

function defaultIo(): CliIo {
  const controller = new AbortController();
  const onSignal = () => controller.abort(new TorrentkitError('BT_ERR_INTERRUPTED', 'interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // When the reader of our output goes away (`torrentkit download --json | head -1`, a player
  // that quits reading `stream --stdout`), writes fail with EPIPE: the command stops as on an
  // interrupt, saving its state, instead of dying of an unhandled stream error.
  const onOutputError = (err: Error) => controller.abort(new TorrentkitError('BT_ERR_OUTPUT_CLOSED', `cannot write output: ${err.message}`, { cause: err }));
  process.stdout.on('error', onOutputError);
  process.stderr.on('error', onOutputError);
  return { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env, signal: controller.signal };
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const debug = argv.includes('--debug');
  const args = argv.filter((a) => a !== '--debug');
  const name = args[0];
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const target = name === 'help' ? commands.find((c) => c.name === args[1]) : undefined;
    io.stdout.write(target ? formatHelp(await target.load()) : mainHelp());
    return 0;
  }
  if (name === '--version' || name === '-V') {
    io.stdout.write(`torrentkit ${VERSION}\n`);
    return 0;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    io.stderr.write(`torrentkit: BT_ERR_CLI_UNKNOWN_COMMAND: unknown command "${name}" (see torrentkit --help)\n`);
    return 2;
  }
  const cmd: Command = await entry.load();
  try {
    const rest = args.slice(1);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(formatHelp(cmd));
      return 0;
    }
    let parsed: ReturnType<typeof parseArgs>;
    try {
      const options = Object.fromEntries(
        Object.entries(cmd.options).map(([k, { description: _d, value: _v, ...spec }]) => [k, spec]),
      );
      parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
    } catch (err) {
      throw new TorrentkitError('BT_ERR_CLI_USAGE', `${(err as Error).message} (see torrentkit ${cmd.name} --help)`);
    }
    return await cmd.run(parsed.values as Record<string, string | boolean | string[] | undefined>, parsed.positionals, io);
  } catch (err) {
    if (isTorrentkitError(err)) {
      io.stderr.write(`torrentkit ${cmd.name}: ${err.code}: ${err.message}\n`);
      if (debug) io.stderr.write(`${err.stack ?? ''}\n`);
      return err.code === 'BT_ERR_CLI_USAGE' ? 2 : 1;
    }
    if (debug) io.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    else io.stderr.write(`torrentkit ${cmd.name}: BT_ERR_INTERNAL: ${(err as Error)?.message ?? String(err)} (run with --debug for details)\n`);
    return 1;
  }
}
