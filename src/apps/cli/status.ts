/**
 * Status output shared by `download` and `seed`: a one-line progress display redrawn on a TTY
 * (stderr), and one JSON object per line with --json (stdout). The JSON shapes are documented in
 * README.md; keys are only ever added, never renamed.
 */
import type { Torrent } from '../../engines/session/torrent.js';
import type { TorrentStats } from '../../engines/session/types.js';
import { formatBytes, formatDuration, formatRate, progressBar } from '../../util/format.js';
import type { TorrentkitError } from '../../util/errors.js';
import type { CliIo } from './command.js';

/** How often a JSON line is printed. */
export const JSON_INTERVAL_MS = 1_000;
/** How often the TTY line is redrawn. */
export const TTY_INTERVAL_MS = 250;

export interface StatusLine {
  type: 'status';
  /** Milliseconds since the command started. */
  elapsedMs: number;
  infoHash: string;
  name: string;
  state: TorrentStats['state'];
  progress: number;
  totalBytes: number;
  verifiedBytes: number;
  leftBytes: number;
  downloaded: number;
  uploaded: number;
  downloadRate: number;
  uploadRate: number;
  peers: number;
  seeds: number;
  knownPeers: number;
  /** Seconds to completion, null when stalled. */
  eta: number | null;
  piecesVerified: number;
  pieceCount: number;
  hashFailures: number;
}

export function statusLine(torrent: Torrent, started: number, now: number): StatusLine {
  const s = torrent.stats();
  return {
    type: 'status',
    elapsedMs: Math.round(now - started),
    infoHash: torrent.infoHashHex,
    name: torrent.meta.name,
    state: s.state,
    progress: Math.round(s.progress * 1e6) / 1e6,
    totalBytes: torrent.meta.totalLength,
    verifiedBytes: s.verifiedBytes,
    leftBytes: s.leftBytes,
    downloaded: s.downloaded,
    uploaded: s.uploaded,
    downloadRate: Math.round(s.downloadRate),
    uploadRate: Math.round(s.uploadRate),
    peers: s.peers,
    seeds: s.seeds,
    knownPeers: s.knownPeers,
    eta: Number.isFinite(s.eta) ? Math.round(s.eta) : null,
    piecesVerified: s.piecesVerified,
    pieceCount: s.pieceCount,
    hashFailures: s.hashFailures,
  };
}

/** The TTY line: `[####----] 42.0% 1.2 GiB/2.9 GiB  down 31 MiB/s up 2 MiB/s  peers 5 (2 seeds)  ETA 1m05s`. */
export function formatStatus(line: StatusLine, columns: number): string {
  const pct = `${(line.progress * 100).toFixed(1)}%`.padStart(6);
  const tail = [
    `${formatBytes(Math.max(0, line.verifiedBytes))}`,
    `down ${formatRate(line.downloadRate)}`,
    `up ${formatRate(line.uploadRate)}`,
    `peers ${line.peers}${line.seeds ? ` (${line.seeds} seed${line.seeds === 1 ? '' : 's'})` : ''}`,
    line.state === 'downloading' ? `ETA ${formatDuration(line.eta ?? Number.POSITIVE_INFINITY)}` : line.state,
  ].join('  ');
  const barWidth = Math.max(0, Math.min(30, columns - tail.length - pct.length - 5));
  const text = barWidth >= 5 ? `[${progressBar(line.progress, barWidth)}] ${pct} ${tail}` : `${pct} ${tail}`;
  return text.length > columns - 1 ? text.slice(0, Math.max(0, columns - 1)) : text;
}

export type Mode = 'json' | 'tty' | 'quiet' | 'plain';

export function outputMode(values: { json?: unknown; quiet?: unknown }, io: CliIo): Mode {
  if (values.json === true) return 'json';
  if (values.quiet === true) return 'quiet';
  return io.stderr.isTTY ? 'tty' : 'plain';
}

/**
 * Prints status for one torrent until stopped: JSON lines each second, or a redrawn TTY line.
 * `note` prints a message line (warnings, events) without garbling the TTY line.
 */
export class StatusPrinter {
  private timer: NodeJS.Timeout | undefined;
  private drawn = false;
  private readonly started = Date.now();

  constructor(
    private readonly io: CliIo,
    private readonly mode: Mode,
  ) {}

  get elapsedMs(): number {
    return Date.now() - this.started;
  }

  start(torrent: Torrent): void {
    if (this.mode === 'quiet' || this.mode === 'plain' || this.timer) return;
    const interval = this.mode === 'json' ? JSON_INTERVAL_MS : TTY_INTERVAL_MS;
    this.timer = setInterval(() => this.print(torrent), interval);
    this.timer.unref();
    this.print(torrent);
  }

  /** Prints one status now (JSON line or TTY redraw). */
  print(torrent: Torrent): void {
    const line = statusLine(torrent, this.started, Date.now());
    if (this.mode === 'json') this.json(line);
    else if (this.mode === 'tty') {
      this.io.stderr.write(`\r\x1b[2K${formatStatus(line, this.io.stderr.columns ?? 80)}`);
      this.drawn = true;
    }
  }

  json(obj: object): void {
    if (this.mode === 'json') this.io.stdout.write(`${JSON.stringify(obj)}\n`);
  }

  /** A human message on stderr (not in JSON or quiet mode). */
  note(text: string): void {
    if (this.mode === 'json' || this.mode === 'quiet') return;
    this.clear();
    this.io.stderr.write(`${text}\n`);
  }

  warning(w: TorrentkitError): void {
    if (this.mode === 'json') this.json({ type: 'warning', elapsedMs: this.elapsedMs, code: w.code, message: w.message });
    else this.note(`warning: ${w.code}: ${w.message}`);
  }

  clear(): void {
    if (this.drawn) this.io.stderr.write('\r\x1b[2K');
    this.drawn = false;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }
}
