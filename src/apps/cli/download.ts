/**
 * `torrentkit download <torrent|magnet|infohash|url>`: downloads one torrent and exits 0 once every
 * selected piece is verified on disk and the files and resume data are flushed (the Client is
 * closed before exiting). Progress: a redrawn line on a TTY (stderr), one JSON object per second
 * with --json (stdout; shapes in README.md). SIGINT/SIGTERM: resume data saved, exit 130 — or 0
 * when the download had already completed and --keep-seeding kept it running.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Torrent } from '../../engines/session/torrent.js';
import { TorrentkitError } from '../../util/errors.js';
import { formatBytes, formatDuration, formatRate } from '../../util/format.js';
import { integer, openClient, rate, resolveTorrentArg, sessionOptions, strings } from './client-options.js';
import type { Command, ParsedValues } from './command.js';
import { outputMode, StatusPrinter } from './status.js';
import { parseHostPort } from '../../util/ip.js';

/** Exit code after an interruption (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

/** Parses `--select 0,2,5-7` into file indices. */
export function parseSelection(values: ParsedValues): number[] | undefined {
  const parts = strings(values.select).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  if (values.select === undefined) return undefined;
  const out = new Set<number>();
  for (const p of parts) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(p);
    if (!m || (m[2] !== undefined && Number(m[2]) < Number(m[1])) || (m[2] !== undefined && Number(m[2]) - Number(m[1]) > 1_000_000)) {
      throw new TorrentkitError('BT_ERR_CLI_USAGE', `--select takes file indices like 0,2,5-7 (see torrentkit info), got ${JSON.stringify(p)}`);
    }
    for (let i = Number(m[1]); i <= Number(m[2] ?? m[1]); i++) out.add(i);
  }
  if (out.size === 0) throw new TorrentkitError('BT_ERR_CLI_USAGE', '--select needs at least one file index');
  return [...out].sort((a, b) => a - b);
}

function checkSelection(torrent: Torrent, selection: readonly number[] | undefined): void {
  if (!selection) return;
  const bad = selection.filter((i) => i >= torrent.files.length || torrent.files[i].pad);
  if (bad.length) {
    throw new TorrentkitError(
      'BT_ERR_CLI_SELECTION',
      `the torrent has files 0 to ${torrent.files.length - 1} (see torrentkit info); not selectable: ${bad.join(', ')}`,
    );
  }
}

/** Waits for the torrent to finish, fail, or for the signal; resolves to what happened. */
function outcome(torrent: Torrent, signal: AbortSignal): Promise<'done' | 'interrupted'> {
  return torrent.whenDone({ signal }).then(
    () => 'done' as const,
    (err: unknown) => {
      if (signal.aborted) return 'interrupted' as const;
      throw err;
    },
  );
}

export const downloadCommand: Command = {
  name: 'download',
  summary: 'download a torrent (file, magnet link, info hash or URL)',
  usage: '<torrent|magnet|infohash|url> [options]',
  details: [
    'Exits 0 once every selected piece is verified on disk and the data is flushed; 1 on an error',
    '(one line with its code), 2 on a usage error, 130 when interrupted (resume data is saved, so',
    'running the same command again continues where it stopped).',
  ].join('\n'),
  options: {
    output: { type: 'string', short: 'o', value: 'DIR', description: 'folder to download into (default: the current folder)' },
    select: { type: 'string', multiple: true, value: 'LIST', description: 'only these files, by index: 0,2,5-7 (see torrentkit info)' },
    'keep-seeding': { type: 'boolean', description: 'keep running and seeding after the download completes' },
    peer: { type: 'string', multiple: true, value: 'HOST:PORT', description: 'connect to this peer' },
    'max-peers': { type: 'string', value: 'N', description: 'most peer connections (default 50)' },
    'download-limit': { type: 'string', value: 'RATE', description: 'download rate limit, e.g. 5M (default: unlimited)' },
    ...sessionOptions,
    verify: { type: 'boolean', description: 'hash the data already on disk instead of trusting resume data' },
    sequential: { type: 'boolean', description: 'download pieces in order' },
    quiet: { type: 'boolean', short: 'q', description: 'print nothing but errors' },
    json: { type: 'boolean', description: 'one JSON status line per second on stdout' },
  },

  async run(values, positionals, io) {
    if (positionals.length !== 1) throw new TorrentkitError('BT_ERR_CLI_USAGE', 'give exactly one torrent, magnet link, info hash or URL (see torrentkit download --help)');
    const selection = parseSelection(values);
    const maxPeers = integer(values, 'max-peers', 1, 10_000);
    const downloadLimit = rate(values, 'download-limit');
    const peers = strings(values.peer);
    for (const p of peers) {
      if (!parseHostPort(p)) throw new TorrentkitError('BT_ERR_CLI_USAGE', `--peer takes HOST:PORT, got ${JSON.stringify(p)}`);
    }
    const out = typeof values.output === 'string' ? values.output : '.';
    const mode = outputMode(values, io);
    const printer = new StatusPrinter(io, mode);
    const { client } = await openClient(values, io, out, { maxPeers, downloadLimit });
    client.on('warning', (w) => printer.warning(w));
    let torrent: Torrent | undefined;
    try {
      if (/^(magnet:|[0-9a-f]{40}$|[0-9a-f]{64}$)/i.test(positionals[0].trim())) {
        printer.note('fetching the metadata from peers…');
        printer.json({ type: 'metadata', elapsedMs: printer.elapsedMs, port: client.port ?? null });
      }
      torrent = await client.add(resolveTorrentArg(positionals[0], io, existsSync), {
        selection,
        peers,
        verify: values.verify === true,
        sequential: values.sequential === true,
        maxPeers,
        signal: io.signal,
      });
      checkSelection(torrent, selection);
      const t = torrent;
      t.on('warning', (w) => printer.warning(w));
      printer.note(`downloading ${t.meta.name} (${formatBytes(t.meta.totalLength)}) into ${join(resolve(io.cwd, out), '')}, port ${client.port}`);
      printer.json({ type: 'started', infoHash: t.infoHashHex, name: t.meta.name, totalBytes: t.meta.totalLength, fileCount: t.files.length, pieceCount: t.meta.pieceCount, port: client.port ?? null, path: resolve(io.cwd, out) });
      printer.start(t);
      const result = await outcome(t, io.signal);
      if (result === 'interrupted') {
        printer.stop();
        await client.close();
        printer.note('interrupted; resume data saved');
        printer.json({ type: 'interrupted', elapsedMs: printer.elapsedMs, piecesVerified: t.stats().piecesVerified });
        return EXIT_INTERRUPTED;
      }
      // Every selected piece is verified and written; what remains is waiting for the disk.
      printer.json({ type: 'verified', elapsedMs: printer.elapsedMs, piecesVerified: t.stats().piecesVerified });
      const stats = t.stats();
      const secs = printer.elapsedMs / 1000;
      const summary = { type: 'done', elapsedMs: printer.elapsedMs, infoHash: t.infoHashHex, name: t.meta.name, downloaded: stats.downloaded, piecesVerified: stats.piecesVerified, pieceCount: stats.pieceCount, hashFailures: stats.hashFailures };
      if (values['keep-seeding'] === true) {
        printer.json(summary);
        printer.note(`done in ${formatDuration(secs)}; seeding until interrupted`);
        await new Promise<void>((resolve) => {
          if (io.signal.aborted) resolve();
          io.signal.addEventListener('abort', () => resolve(), { once: true });
          t.once('error', () => resolve());
        });
        printer.stop();
        if (t.state === 'error') throw new TorrentkitError('BT_ERR_SEED_FAILED', 'seeding stopped on an error');
        await client.close();
        return 0;
      }
      // Closing flushes the files and writes resume data: only then is the download complete.
      printer.stop();
      await client.close();
      printer.json(summary);
      if (mode !== 'json' && mode !== 'quiet') {
        io.stdout.write(`done: ${t.meta.name}, ${formatBytes(stats.downloaded)} downloaded in ${formatDuration(secs)} (${formatRate(stats.downloaded / Math.max(secs, 0.001))})\n`);
      }
      return 0;
    } catch (err) {
      printer.stop();
      await client.close().catch(() => {});
      if (io.signal.aborted && !torrent) {
        printer.note('interrupted');
        return EXIT_INTERRUPTED;
      }
      throw err;
    }
  },
};
