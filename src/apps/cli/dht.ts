/**
 * `torrentkit dht`: runs a DHT node (BEP 5), or does one lookup for people who debug swarms.
 *   torrentkit dht [--port N] [--bind ADDR] [--bootstrap HOST:PORT ...] [--state FILE]
 *   torrentkit dht get-peers <infohash> [--bootstrap HOST:PORT ...]
 *   torrentkit dht announce <infohash> --port N [--bootstrap HOST:PORT ...]
 * In node mode --port is the node's UDP port; for announce it is the peer port announced (the
 * lookups' own UDP port is --dht-port, any free one by default).
 */
import { systemClock } from '../../adapters/node/clock.js';
import { nodeDatagrams } from '../../adapters/node/datagram.js';
import { dhtStateFile } from '../../adapters/node/dht-state-file.js';
import { resolveHost } from '../../adapters/node/dns.js';
import { cryptoRng } from '../../adapters/node/rng.js';
import { DhtNode } from '../../engines/dht/node.js';
import type { BootstrapNode, DhtOptions } from '../../engines/dht/types.js';
import { fromBase32, fromHex, toHex } from '../../util/bytes.js';
import { TorrentkitError } from '../../util/errors.js';
import type { CliIo, Command, ParsedValues } from './command.js';
import { parseHostPort as parseAddress } from '../../util/ip.js';

function usage(message: string): never {
  throw new TorrentkitError('BT_ERR_CLI_USAGE', `${message} (see torrentkit dht --help)`);
}

export function parseHostPort(text: string): BootstrapNode {
  const a = parseAddress(text);
  if (!a) usage(`bad HOST:PORT "${text}"`);
  return a;
}

export function parseInfoHash(text: string | undefined): Uint8Array {
  if (text === undefined) usage('missing <infohash>');
  if (/^[0-9a-fA-F]{40}$/.test(text)) return fromHex(text);
  if (/^[A-Za-z2-7]{32}$/.test(text)) return fromBase32(text);
  throw new TorrentkitError('BT_ERR_CLI_BAD_INFOHASH', `not a 40-digit hex or 32-character base32 info hash: ${text}`);
}

function parsePort(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) usage(`bad --${name} "${text}"`);
  return n;
}

function makeNode(values: ParsedValues, extra: DhtOptions, udpPort: number): DhtNode {
  const bootstrap = ((values.bootstrap as string[] | undefined) ?? []).map(parseHostPort);
  const state = values.state as string | undefined;
  return new DhtNode(
    { datagrams: nodeDatagrams, clock: systemClock, rng: cryptoRng, resolve: resolveHost, ...(state ? { storage: dhtStateFile(state) } : {}) },
    {
      address: (values.bind as string | undefined) ?? '0.0.0.0',
      port: udpPort,
      ...(bootstrap.length > 0 ? { bootstrap } : {}),
      ...(values['enforce-bep42'] ? { enforceBep42: true } : {}),
      ...extra,
    },
  );
}

function line(io: CliIo, text: string): void {
  io.stdout.write(`${text}\n`);
}

async function runNode(values: ParsedValues, io: CliIo): Promise<number> {
  const dht = makeNode(values, {}, parsePort(values.port as string | undefined, 'port', 6881));
  dht.on('warning', (err) => io.stderr.write(`warning: ${err.message}\n`));
  dht.on('announced', (ih, peer) => line(io, `announce ${toHex(ih)} ${peer.address}:${peer.port}`));
  dht.on('listening', (a) => line(io, `dht node ${toHex(dht.id)} listening on ${a.address}:${a.port}`));
  await dht.start({ signal: io.signal }).catch((err) => io.stderr.write(`warning: bootstrap: ${(err as Error).message}\n`));
  const status = () => {
    const s = dht.stats();
    line(io, `nodes ${s.nodes} buckets ${s.buckets} stored-peers ${s.storedPeers} queries-received ${s.queriesReceived}`);
  };
  status();
  const seconds = Number(values.interval ?? 60);
  if (!Number.isFinite(seconds) || seconds <= 0) usage(`bad --interval "${values.interval}"`);
  const cancel = systemClock.setInterval(status, seconds * 1000);
  await new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    else io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  cancel();
  await dht.close();
  return 0;
}

async function withDeadline<T>(io: CliIo, values: ParsedValues, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const seconds = Number(values.timeout ?? 30);
  if (!Number.isFinite(seconds) || seconds <= 0) usage(`bad --timeout "${values.timeout}"`);
  const controller = new AbortController();
  const cancel = systemClock.setTimeout(() => controller.abort(), seconds * 1000);
  const onAbort = () => controller.abort();
  io.signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await fn(controller.signal);
  } finally {
    cancel();
    io.signal.removeEventListener('abort', onAbort);
  }
}

async function getPeers(values: ParsedValues, positionals: string[], io: CliIo): Promise<number> {
  const infoHash = parseInfoHash(positionals[1]);
  // BEP 43: a one-shot lookup is a read-only node, so nobody adds it to their routing table.
  const dht = makeNode(values, { readOnly: true }, parsePort(values['dht-port'] as string | undefined, 'dht-port', 0));
  try {
    return await withDeadline(io, values, async (signal) => {
      await dht.start({ signal });
      const it = dht.getPeers(infoHash, { signal });
      let n = 0;
      for (;;) {
        const next = await it.next();
        if (next.done) {
          const r = next.value;
          io.stderr.write(`${n} peers; ${r.queries} queries, ${r.replies} replies, ${r.hops} hops, ${Math.round(r.durationMs)} ms\n`);
          return n > 0 ? 0 : 1;
        }
        n++;
        const p = next.value;
        line(io, p.address.includes(':') ? `[${p.address}]:${p.port}` : `${p.address}:${p.port}`);
      }
    });
  } finally {
    await dht.close();
  }
}

async function announce(values: ParsedValues, positionals: string[], io: CliIo): Promise<number> {
  const infoHash = parseInfoHash(positionals[1]);
  const implied = values['implied-port'] === true;
  if (values.port === undefined && !implied) usage('announce needs --port N (or --implied-port)');
  const peerPort = parsePort(values.port as string | undefined, 'port', 0);
  const dht = makeNode(values, {}, parsePort(values['dht-port'] as string | undefined, 'dht-port', 0));
  try {
    return await withDeadline(io, values, async (signal) => {
      await dht.start({ signal });
      const r = await dht.announce(infoHash, peerPort, { signal, impliedPort: implied });
      line(io, `announced ${toHex(infoHash)} port ${implied ? dht.address().port : peerPort} to ${r.acknowledged} of ${r.lookup.closest.length} closest nodes`);
      return r.acknowledged > 0 ? 0 : 1;
    });
  } finally {
    await dht.close();
  }
}

export const dhtCommand: Command = {
  name: 'dht',
  summary: 'run a DHT node, or look up / announce peers of an info hash in the DHT',
  usage: '[get-peers <infohash> | announce <infohash> --port N] [options]',
  details: [
    'Without a subcommand, runs a DHT node until interrupted, printing its id and, every',
    '--interval seconds, its routing table size. `get-peers` prints each peer found (one',
    'HOST:PORT per line) and exits 0 when any was found; `announce` announces PEER-PORT for the',
    'info hash to the closest nodes. Bootstrap nodes default to the public routers.',
    'For `announce`, --port is the peer port announced; --dht-port is the lookup\'s UDP port.',
  ].join('\n'),
  options: {
    port: { type: 'string', description: 'node: its UDP port (default 6881); announce: the peer port announced', value: 'N' },
    'dht-port': { type: 'string', description: 'get-peers/announce: UDP port of the lookup (default any)', value: 'N' },
    bind: { type: 'string', description: 'address to bind (default 0.0.0.0)', value: 'ADDR' },
    bootstrap: { type: 'string', multiple: true, description: 'bootstrap node', value: 'HOST:PORT' },
    state: { type: 'string', description: 'load the routing table from FILE on start, save it on exit', value: 'FILE' },
    interval: { type: 'string', description: 'seconds between status lines (node mode, default 60)', value: 'S' },
    timeout: { type: 'string', description: 'give up a lookup or announce after S seconds (default 30)', value: 'S' },
    'implied-port': { type: 'boolean', description: 'announce: ask nodes to use our UDP source port (BEP 5 implied_port)' },
    'enforce-bep42': { type: 'boolean', description: 'keep only nodes whose ids pass the BEP 42 check' },
  },
  async run(values, positionals, io) {
    const sub = positionals[0];
    if (sub === undefined) return runNode(values, io);
    if (sub === 'get-peers') return getPeers(values, positionals, io);
    if (sub === 'announce') return announce(values, positionals, io);
    return usage(`unknown subcommand "${sub}"`);
  },
};
