/**
 * `torrentkit seed <file|folder|torrent>`: seeds until interrupted (exit 0 then). Given a file or
 * folder, it creates a v1 torrent of it first (the create engine; --torrent FILE writes it out) and
 * prints the magnet link; since the data was just hashed, it seeds at once and re-checks each piece
 * on its first read. Given a .torrent (file or URL), -o DIR is the folder holding the data, which is
 * checked first (resume data, else a full hash), or lazily piece by piece with --assume-complete.
 */
import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { NodeContentSource } from '../../adapters/node/content-source.js';
import { HashPool } from '../../adapters/node/hash-pool.js';
import { magnetOf, parseMetainfo } from '../../codecs/metainfo/index.js';
import { createTorrent } from '../../engines/create/create.js';
import type { Torrent } from '../../engines/session/torrent.js';
import { TorrentkitError } from '../../util/errors.js';
import { formatBytes } from '../../util/format.js';
import { openClient, resolveTorrentArg, sessionOptions, strings } from './client-options.js';
import type { CliIo, Command, ParsedValues } from './command.js';
import { outputMode, StatusPrinter } from './status.js';

const CREATED_BY = 'torrentkit 0.1.0';

function isTorrentArg(arg: string, io: CliIo): boolean {
  if (/^(magnet:|https?:)/i.test(arg.trim()) || /^[0-9a-f]{40}$/i.test(arg.trim())) return true;
  const p = resolve(io.cwd, arg);
  return /\.torrent$/i.test(arg) && existsSync(p) && statSync(p).isFile();
}

/** Creates a v1 torrent of `input`; returns its bytes and the folder that holds the content. */
async function createFor(input: string, values: ParsedValues, io: CliIo, printer: StatusPrinter): Promise<{ bytes: Uint8Array; dataDir: string }> {
  const full = resolve(io.cwd, input);
  if (!existsSync(full)) throw new TorrentkitError('BT_ERR_CREATE_INPUT', `no such file or folder: ${full}`);
  const out = typeof values.torrent === 'string' ? resolve(io.cwd, values.torrent) : undefined;
  if (out && existsSync(out) && values.force !== true) throw new TorrentkitError('BT_ERR_CREATE_OUTPUT_EXISTS', `${out} exists (use --force to overwrite)`);
  printer.note(`hashing ${basename(full)}…`);
  const hasher = new HashPool();
  try {
    const result = await createTorrent(
      {
        input: full,
        version: 'v1',
        announce: strings(values.tracker).map((u) => [u]),
        createdBy: CREATED_BY,
        creationDate: Math.floor(Date.now() / 1000),
      },
      { source: new NodeContentSource({ cwd: io.cwd }), hasher },
      { signal: io.signal },
    );
    if (out) {
      try {
        await writeFile(out, result.torrent);
      } catch (err) {
        throw new TorrentkitError('BT_ERR_CREATE_OUTPUT', `cannot write ${out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
      }
    }
    return { bytes: result.torrent, dataDir: dirname(full) };
  } finally {
    await hasher.close();
  }
}

export const seedCommand: Command = {
  name: 'seed',
  summary: 'seed a file, folder or torrent until interrupted',
  usage: '<file|folder|torrent> [options]',
  details: [
    'A file or folder is turned into a v1 torrent first and its magnet link is printed.',
    'A .torrent (file or URL) is seeded from the data in -o DIR, checked first unless',
    '--assume-complete. Runs until interrupted (exit 0).',
  ].join('\n'),
  options: {
    torrent: { type: 'string', value: 'FILE', description: 'when seeding a file or folder: write its .torrent here' },
    force: { type: 'boolean', short: 'f', description: 'overwrite the --torrent file if it exists' },
    output: { type: 'string', short: 'o', value: 'DIR', description: 'when seeding a .torrent: the folder holding its data (default: the current folder)' },
    'assume-complete': { type: 'boolean', description: 'trust the data: seed at once and check each piece on its first read' },
    ...sessionOptions,
    quiet: { type: 'boolean', short: 'q', description: 'print nothing but the magnet link and errors' },
    json: { type: 'boolean', description: 'JSON lines on stdout: a "seeding" line, then one status line per second' },
  },

  async run(values, positionals, io) {
    if (positionals.length !== 1) throw new TorrentkitError('BT_ERR_CLI_USAGE', 'give exactly one file, folder or torrent (see torrentkit seed --help)');
    const arg = positionals[0];
    const mode = outputMode(values, io);
    const printer = new StatusPrinter(io, mode);
    const fromTorrent = isTorrentArg(arg, io);
    if (!fromTorrent && typeof values.output === 'string') {
      throw new TorrentkitError('BT_ERR_CLI_USAGE', '-o DIR is for seeding a .torrent; a file or folder is seeded where it is');
    }
    let id: string | Uint8Array;
    let dataDir: string;
    let assumeComplete = values['assume-complete'] === true;
    if (fromTorrent) {
      id = resolveTorrentArg(arg, io, existsSync);
      dataDir = resolve(io.cwd, typeof values.output === 'string' ? values.output : '.');
    } else {
      const created = await createFor(arg, values, io, printer);
      id = created.bytes;
      dataDir = created.dataDir;
      // Just hashed: every piece is re-checked on its first read anyway.
      assumeComplete = true;
    }
    const { client } = await openClient(values, io, dataDir);
    client.on('warning', (w) => printer.warning(w));
    let torrent: Torrent | undefined;
    try {
      torrent = typeof id === 'string' ? await client.add(id, { assumeComplete, signal: io.signal }) : await client.addMetainfo(parseMetainfo(id), { assumeComplete, signal: io.signal });
      const t = torrent;
      t.on('warning', (w) => printer.warning(w));
      const failed = new Promise<TorrentkitError>((res) => t.once('error', res));
      const ready = new Promise<void>((res) => (t.state === 'seeding' || t.state === 'downloading' ? res() : t.once('ready', res)));
      const first = await Promise.race([ready.then(() => undefined), failed, aborted(io.signal)]);
      if (first instanceof TorrentkitError) throw first;
      if (io.signal.aborted) return await finish(client, printer);
      const magnet = magnetOf(t.meta);
      const st = t.stats();
      printer.json({ type: 'seeding', infoHash: t.infoHashHex, name: t.meta.name, magnet, port: client.port ?? null, path: dataDir, totalBytes: t.meta.totalLength, piecesVerified: st.piecesVerified, pieceCount: st.pieceCount, torrentFile: typeof values.torrent === 'string' ? resolve(io.cwd, values.torrent) : null });
      if (mode !== 'json') io.stdout.write(`${magnet}\n`);
      printer.note(`seeding ${t.meta.name} (${formatBytes(t.meta.totalLength)}) from ${dataDir} on port ${client.port}`);
      if (st.piecesVerified < st.pieceCount && !assumeComplete) {
        printer.warning(new TorrentkitError('BT_ERR_SEED_INCOMPLETE', `only ${st.piecesVerified} of ${st.pieceCount} pieces are on disk; seeding those and downloading the rest`));
      }
      printer.start(t);
      const end = await Promise.race([failed, aborted(io.signal)]);
      if (end instanceof TorrentkitError) throw end;
      return await finish(client, printer);
    } catch (err) {
      printer.stop();
      await client.close().catch(() => {});
      if (io.signal.aborted) return 0;
      throw err;
    }
  },
};

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((res) => (signal.aborted ? res() : signal.addEventListener('abort', () => res(), { once: true })));
}

async function finish(client: { close(): Promise<void> }, printer: StatusPrinter): Promise<number> {
  printer.stop();
  await client.close();
  printer.note('stopped');
  return 0;
}
