/**
 * `torrentkit stream`: downloads a torrent while serving its files over HTTP for players (the
 * peerflix workflow). The chosen file (largest video by default) is prioritised by the readers
 * the player's range requests open; with a player option the player is started on its URL and the
 * command ends when the player does (unless --no-quit). `--stdout` writes the file in order to
 * standard output instead.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startStreamServer } from '../../adapters/node/http-server.js';
import { createStreamHandler, filePath, isVideo, type ServedFile } from '../../engines/http/index.js';
import type { Torrent } from '../../engines/session/torrent.js';
import { readerToWebStream, type TorrentFile, type TorrentReader } from '../../engines/stream/index.js';
import { TorrentkitError } from '../../util/errors.js';
import { formatBytes, formatRate } from '../../util/format.js';
import { discoveryOptions, openClient, resolveTorrentArg } from './client-options.js';
import type { CliIo, Command } from './command.js';
import { type PlayerName, playerCommand, splitArgs } from './players.js';

const PLAYERS: PlayerName[] = ['vlc', 'mpv', 'mplayer', 'iina'];

/** The file to play: the largest video, else the largest file. */
export function defaultFile(files: readonly { index: number; name: string; length: number; pad?: boolean }[]): number {
  const real = files.filter((f) => !f.pad);
  const videos = real.filter((f) => isVideo(f.name));
  const pool = videos.length > 0 ? videos : real;
  return pool.reduce((a, b) => (b.length > a.length ? b : a)).index;
}

function portOf(v: string | undefined): number {
  if (v === undefined) return 8888;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new TorrentkitError('BT_ERR_CLI_USAGE', '--port must be a port number');
  return n;
}

/** Files served over HTTP, remembering the last reader opened on the chosen file (status line). */
function served(torrent: Torrent, chosen: number, onReader: (r: TorrentReader) => void): ServedFile[] {
  return torrent.files.map((f: TorrentFile) => ({
    index: f.index,
    name: f.name,
    pathString: f.pathString,
    length: f.length,
    pad: f.pad,
    stream: (range: { start: number; end: number }) => {
      const reader = f.readerFor(range);
      if (f.index === chosen) onReader(reader);
      return readerToWebStream(reader);
    },
  }));
}

function statusLine(torrent: Torrent, reader: TorrentReader | undefined): string {
  const s = torrent.stats();
  const ahead = reader && !reader.closed ? formatBytes(reader.bufferedAhead()) : '-';
  return `${(s.progress * 100).toFixed(1)}%  down ${formatRate(s.downloadRate)}  up ${formatRate(s.uploadRate)}  peers ${s.peers}  buffer ${ahead}`;
}

export const streamCommand: Command = {
  name: 'stream',
  summary: 'stream a torrent over HTTP to a media player while it downloads',
  usage: '<torrent|magnet|infohash> [options]',
  details: [
    'Serves / (file index; JSON with Accept: application/json), /<index>, /<path>, /playlist.m3u and',
    '/stats.json with HTTP ranges, on 127.0.0.1:8888 by default. Plays the largest video unless',
    '--select N. With a player option the player starts on the file and the command ends with it.',
  ].join('\n'),
  options: {
    out: { type: 'string', short: 'o', value: 'DIR', description: 'download folder (default: a folder in the system temp dir)' },
    port: { type: 'string', value: 'N', description: 'HTTP port (default 8888; 0 for any)' },
    bind: { type: 'string', value: 'ADDR', description: 'HTTP address (default 127.0.0.1)' },
    select: { type: 'string', value: 'N', description: 'file index to play (see --list)' },
    list: { type: 'boolean', description: 'list the files with their indices and exit' },
    vlc: { type: 'boolean', description: 'play in VLC' },
    mpv: { type: 'boolean', description: 'play in mpv' },
    mplayer: { type: 'boolean', description: 'play in MPlayer' },
    iina: { type: 'boolean', description: 'play in IINA' },
    player: { type: 'string', value: 'CMD', description: 'play with this command (the URL is appended)' },
    'player-args': { type: 'string', value: 'ARGS', description: 'extra arguments for the player' },
    subtitles: { type: 'string', value: 'FILE', description: 'subtitles file for the player' },
    'no-quit': { type: 'boolean', description: 'keep serving after the player exits' },
    remove: { type: 'boolean', description: 'delete the downloaded data on exit' },
    quiet: { type: 'boolean', description: 'no status line' },
    stdout: { type: 'boolean', description: 'write the selected file to standard output, in order' },
    peer: { type: 'string', multiple: true, value: 'HOST:PORT', description: 'connect to this peer' },
    'peer-port': { type: 'string', value: 'N', description: 'TCP port to accept peers on (default 6881, or any free port when taken; 0: any)' },
    'peer-bind': { type: 'string', value: 'ADDR', description: 'local address for peer connections, the DHT and LSD (default: all)' },
    ...discoveryOptions,
  },
  async run(values, positionals, io) {
    const id = positionals[0];
    if (!id || positionals.length > 1) throw new TorrentkitError('BT_ERR_CLI_USAGE', 'stream takes one torrent file, URL, magnet link or info hash');
    const players = PLAYERS.filter((p) => values[p] === true);
    if (players.length + (values.player === undefined ? 0 : 1) > 1) throw new TorrentkitError('BT_ERR_CLI_USAGE', 'choose one player');
    if (values.stdout === true && (players.length > 0 || values.player !== undefined)) {
      throw new TorrentkitError('BT_ERR_CLI_USAGE', '--stdout and a player exclude each other');
    }
    const httpPort = portOf(values.port as string | undefined);
    const out = resolve(io.cwd, (values.out as string | undefined) ?? join(tmpdir(), 'torrentkit-stream'));
    const { client } = await openClient(values, io, out, { hashThreads: 2, portOption: 'peer-port', bindOption: 'peer-bind' });
    let torrent: Torrent | undefined;
    const cleanup = async () => {
      if (values.remove === true && torrent) await torrent.remove({ deleteData: true }).catch(() => {});
      await client.close();
      if (values.remove === true && torrent) await rm(join(out, torrent.meta.name), { recursive: true, force: true }).catch(() => {});
    };
    try {
      torrent = await client.add(resolveTorrentArg(id, io, existsSync), { peers: (values.peer as string[] | undefined) ?? [], signal: io.signal });
      const files = torrent.files;
      if (values.list === true) {
        for (const f of files) if (!f.pad) io.stdout.write(`${f.index}\t${f.length}\t${f.pathString}\n`);
        return 0;
      }
      let chosen: number;
      if (values.select !== undefined) {
        chosen = Number(values.select);
        if (!Number.isInteger(chosen) || !files[chosen] || files[chosen].pad) {
          throw new TorrentkitError('BT_ERR_CLI_USAGE', `--select: no file ${values.select as string} (see --list)`);
        }
      } else chosen = defaultFile(files);
      if (values.stdout === true) return await toStdout(torrent, chosen, values.quiet === true, io);
      return await serve(torrent, chosen, values, httpPort, io);
    } finally {
      await cleanup();
    }
  },
};

async function toStdout(torrent: Torrent, chosen: number, quiet: boolean, io: CliIo): Promise<number> {
  const reader = torrent.files[chosen].createReader({ signal: io.signal });
  const timer = quiet ? undefined : setInterval(() => io.stderr.write(`\r${statusLine(torrent, reader)}\x1b[K`), 1000);
  try {
    for await (const chunk of reader) {
      // A reader that went away never drains: the wait ends with the command (see main.ts).
      if (!io.stdout.write(chunk)) await once(io.stdout, 'drain', { signal: io.signal });
    }
  } catch (err) {
    if (io.signal.aborted) return 130;
    throw err;
  } finally {
    clearInterval(timer);
    if (!quiet) io.stderr.write('\n');
  }
  return 0;
}

async function serve(torrent: Torrent, chosen: number, values: Record<string, unknown>, port: number, io: CliIo): Promise<number> {
  let reader: TorrentReader | undefined;
  // Prioritise the start of the file before the player asks for anything; the player's first
  // request on the file takes over.
  const warm = torrent.files[chosen].createReader({ readahead: 2 * 1024 * 1024 });
  const handler = createStreamHandler({
    name: torrent.meta.name,
    infoHashHex: torrent.infoHashHex,
    files: served(torrent, chosen, (r) => {
      reader = r;
      warm.close();
    }),
    stats: () => ({ ...torrent.stats(), bufferAhead: reader && !reader.closed ? reader.bufferedAhead() : 0, readers: torrent.streams.heads.size }),
  });
  const server = await startStreamServer({ handler, port, host: (values.bind as string | undefined) ?? '127.0.0.1' });
  const url = `${server.url}${filePath(torrent.files[chosen])}`;
  io.stdout.write(`serving ${torrent.meta.name} on ${server.url}/\nplaying ${url}\n`);
  const timer =
    values.quiet === true
      ? undefined
      : setInterval(() => io.stderr.write(io.stderr.isTTY ? `\r${statusLine(torrent, reader)}\x1b[K` : `${statusLine(torrent, reader)}\n`), io.stderr.isTTY ? 1000 : 5000);
  try {
    const player = PLAYERS.find((p) => values[p] === true) ?? (values.player === undefined ? undefined : { command: values.player as string });
    if (player === undefined) {
      await new Promise<void>((r) => io.signal.addEventListener('abort', () => r(), { once: true }));
      return 0;
    }
    const argv = playerCommand(player, url, {
      args: values['player-args'] === undefined ? [] : splitArgs(values['player-args'] as string),
      subtitles: values.subtitles === undefined ? undefined : resolve(io.cwd, values.subtitles as string),
      title: torrent.files[chosen].name,
    });
    const code = await runPlayer(argv, io);
    if (values['no-quit'] === true && !io.signal.aborted) {
      io.stdout.write('player exited; still serving (Ctrl-C to stop)\n');
      await new Promise<void>((r) => io.signal.addEventListener('abort', () => r(), { once: true }));
    }
    return code;
  } finally {
    clearInterval(timer);
    warm.close();
    await server.close();
  }
}

function runPlayer(argv: string[], io: CliIo): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'inherit'] });
    const onAbort = () => child.kill('SIGTERM');
    io.signal.addEventListener('abort', onAbort, { once: true });
    child.once('error', (err: NodeJS.ErrnoException) => {
      io.signal.removeEventListener('abort', onAbort);
      reject(new TorrentkitError('BT_ERR_PLAYER', err.code === 'ENOENT' ? `player not found: ${argv[0]}` : `cannot start ${argv[0]}: ${err.message}`, { cause: err }));
    });
    child.once('exit', (code) => {
      io.signal.removeEventListener('abort', onAbort);
      resolvePromise(code ?? 0);
    });
  });
}
