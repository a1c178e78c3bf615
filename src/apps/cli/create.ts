/**
 * `torrentkit create <file|folder>`: hashes the content on every core (worker threads) and writes
 * a v1 (default), v2 or hybrid .torrent. Progress goes to stderr on a TTY only; `--json` prints a
 * summary object (shape documented in README.md).
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { HashPool } from '../../adapters/node/hash-pool.js';
import type { TorrentVersion } from '../../codecs/metainfo/plan.js';
import type { CreateProgress } from '../../engines/create/create.js';
import { TorrentkitError } from '../../util/errors.js';
import type { CliIo, Command, ParsedValues } from './command.js';

const CREATED_BY = 'torrentkit 0.1.0';

/** Parses "262144", "256K", "256KiB", "4M", "4MiB". */
export function parseSize(text: string): number {
  const m = /^(\d+)\s*([kKmMgG]?)(?:i?[bB])?$/.exec(text.trim());
  if (!m) throw new TorrentkitError('BT_ERR_CLI_USAGE', `not a size: ${JSON.stringify(text)} (e.g. 262144, 256K, 4M)`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * mult;
}

function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

function versionOf(values: ParsedValues): TorrentVersion {
  const picked = (['v1', 'v2', 'hybrid'] as const).filter((v) => values[v] === true);
  if (picked.length > 1) throw new TorrentkitError('BT_ERR_CLI_USAGE', `choose one of --v1, --v2, --hybrid (got ${picked.map((p) => `--${p}`).join(' ')})`);
  return picked[0] ?? 'v1';
}

function strings(v: ParsedValues[string]): string[] {
  return Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : [];
}

function progressLine(io: CliIo, started: number) {
  let last = 0;
  return (p: CreateProgress) => {
    const now = Date.now();
    if (p.phase === 'hashing' && now - last < 100 && p.hashedBytes < p.totalBytes) return;
    last = now;
    const secs = Math.max(0.001, (now - started) / 1000);
    const pct = p.totalBytes > 0 ? ((100 * p.hashedBytes) / p.totalBytes).toFixed(1) : '0.0';
    const text = p.phase === 'listing' ? 'listing files…' : `hashing ${pct}%  ${formatBytes(p.hashedBytes)} / ${formatBytes(p.totalBytes)}  ${formatBytes(p.hashedBytes / secs)}/s`;
    io.stderr.write(`\r\x1b[2K${text}`);
  };
}

export const createCommand: Command = {
  name: 'create',
  summary: 'create a .torrent (v1, v2 or hybrid) from a file or folder',
  usage: '<file|folder> [options]',
  details: [
    'Hashes on every core. v1 is the default (every client reads it); with no extra options its',
    'info hash equals mktorrent\'s for the same input and piece length. Files are ordered like',
    'mktorrent (v1) or by the BEP 52 file tree (v2, hybrid); hybrid adds BEP 47 pad files.',
    'Each -a is one tracker tier; separate URLs with commas to put several in one tier.',
  ].join('\n'),
  options: {
    announce: { type: 'string', short: 'a', multiple: true, value: 'URL', description: 'tracker URL (BEP 12 tier; commas for several in one tier)' },
    'piece-length': { type: 'string', short: 'l', value: 'BYTES', description: 'piece length, a power of two from 16K to 512M (default: automatic)' },
    private: { type: 'boolean', short: 'p', description: 'set the private flag (BEP 27)' },
    'web-seed': { type: 'string', short: 'w', multiple: true, value: 'URL', description: 'web seed URL (BEP 19)' },
    name: { type: 'string', short: 'n', value: 'NAME', description: 'torrent name (default: the file or folder name)' },
    comment: { type: 'string', short: 'c', value: 'TEXT', description: 'comment' },
    source: { type: 'string', short: 's', value: 'TEXT', description: 'source tag in the info dictionary' },
    v1: { type: 'boolean', description: 'v1 torrent (default)' },
    v2: { type: 'boolean', description: 'v2-only torrent (BEP 52)' },
    hybrid: { type: 'boolean', description: 'hybrid v1+v2 torrent (BEP 52, BEP 47 pad files)' },
    output: { type: 'string', short: 'o', value: 'FILE', description: 'output file (default: <name>.torrent)' },
    force: { type: 'boolean', short: 'f', description: 'overwrite the output file if it exists' },
    'no-date': { type: 'boolean', description: 'leave out the creation date (reproducible output)' },
    threads: { type: 'string', short: 't', value: 'N', description: 'hashing threads (default: one per core)' },
    json: { type: 'boolean', description: 'print a JSON summary instead of text' },
  },

  async run(values, positionals, io) {
    if (positionals.length !== 1) throw new TorrentkitError('BT_ERR_CLI_USAGE', 'give exactly one file or folder (see torrentkit create --help)');
    const version = versionOf(values);
    const pieceLength = typeof values['piece-length'] === 'string' ? parseSize(values['piece-length']) : undefined;
    let threads: number | undefined;
    if (typeof values.threads === 'string') {
      threads = Number(values.threads);
      if (!Number.isInteger(threads) || threads < 1 || threads > 256) throw new TorrentkitError('BT_ERR_CLI_USAGE', `--threads must be an integer from 1 to 256, got ${values.threads}`);
    }
    const announce = strings(values.announce).map((a) => a.split(',').map((u) => u.trim()).filter(Boolean));
    // Where the torrent goes, checked before hashing so a clash does not cost a full read.
    const name = typeof values.name === 'string' ? values.name : basename(resolve(io.cwd, positionals[0]));
    const out = resolve(io.cwd, typeof values.output === 'string' ? values.output : `${name}.torrent`);
    if (values.force !== true && existsSync(out)) {
      throw new TorrentkitError('BT_ERR_CREATE_OUTPUT_EXISTS', `${out} exists (use --force to overwrite)`);
    }
    const started = Date.now();
    const hasher = new HashPool({ threads });
    // The workers boot (a V8 isolate each) while this thread loads the rest of the command and
    // lists the content: on a 1 GiB file that start-up is a tenth of the run.
    hasher.start();
    try {
      const [{ NodeContentSource }, { createTorrent }] = await Promise.all([import('../../adapters/node/content-source.js'), import('../../engines/create/create.js')]);
      // Needed only for the summary: loaded while the workers hash.
      const later = Promise.all([import('../../codecs/metainfo/index.js'), import('../../codecs/metainfo/parse.js'), import('../../util/bytes.js')]);
      later.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
      const result = await createTorrent(
        {
          input: positionals[0],
          name: typeof values.name === 'string' ? values.name : undefined,
          version,
          pieceLength,
          announce,
          urlList: strings(values['web-seed']),
          private: values.private === true,
          comment: typeof values.comment === 'string' ? values.comment : undefined,
          source: typeof values.source === 'string' ? values.source : undefined,
          createdBy: CREATED_BY,
          creationDate: values['no-date'] === true ? undefined : Math.floor(Date.now() / 1000),
        },
        { source: new NodeContentSource({ cwd: io.cwd }), hasher },
        { signal: io.signal, onProgress: io.stderr.isTTY && values.json !== true ? progressLine(io, started) : undefined },
      );
      void hasher.close(); // the workers stop while the output is written (awaited below)
      const [{ magnetOf }, { parseMetainfo }, { toHex }] = await later;
      try {
        await writeFile(out, result.chunks);
      } catch (err) {
        throw new TorrentkitError('BT_ERR_CREATE_OUTPUT', `cannot write ${out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
      }
      const plan = result.plan;
      const summary = {
        file: out,
        name: result.name,
        version,
        infoHash: result.infoHash ? toHex(result.infoHash) : null,
        infoHashV2: result.infoHashV2 ? toHex(result.infoHashV2) : null,
        pieceLength: plan.pieceLength,
        // v2 pieces never span files (BEP 52), so a v2-only torrent counts them per file.
        pieceCount: version === 'v2' ? plan.files.reduce((n, f) => n + Math.ceil(f.length / plan.pieceLength), 0) : plan.pieceCount,
        totalLength: plan.totalLength,
        fileCount: plan.files.length,
        padFileCount: plan.v1Files.filter((f) => f.source < 0).length,
        private: values.private === true,
        // Read back with our own parser: the link is what `torrentkit magnet` prints for the file.
        magnet: magnetOf(parseMetainfo(result.torrent)),
        elapsedMs: Date.now() - started,
      };
      if (values.json === true) {
        io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      } else {
        const lines = [`created ${out}`, `name:         ${summary.name}`];
        if (summary.infoHash) lines.push(`info hash:    ${summary.infoHash}`);
        if (summary.infoHashV2) lines.push(`info hash v2: ${summary.infoHashV2}`);
        lines.push(
          `content:      ${formatBytes(summary.totalLength)} in ${summary.fileCount} file${summary.fileCount === 1 ? '' : 's'}`,
          `pieces:       ${summary.pieceCount} x ${formatBytes(summary.pieceLength)} (${version})`,
          `magnet:       ${summary.magnet}`,
        );
        io.stdout.write(`${lines.join('\n')}\n`);
      }
      return 0;
    } finally {
      if (io.stderr.isTTY && values.json !== true) io.stderr.write('\r\x1b[2K');
      await hasher.close();
    }
  },
};
