/**
 * Real BitTorrent clients as peers in engine interop tests: libtorrent (python3-libtorrent, via
 * test/interop/fixtures/lt_peer.py), aria2c and WebTorrent (in process). Every one runs with DHT,
 * local discovery, UPnP/NAT-PMP and PEX off, on loopback, and is stopped by pid when the test ends.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Client } from '../../src/adapters/node/client.js';
import type { NetNs } from './netns.js';
import type { Content } from './swarm.js';
import { PYTHON } from './tools.js';

/** A torrentkit client on loopback for tests. */
export function tkClient(path: string, extra: Record<string, unknown> = {}): Client {
  return new Client({ lsd: false, dht: false, path, port: 0, bindAddress: '127.0.0.1', localAddress: '127.0.0.1', hashThreads: 1, ...extra });
}

/** Asserts that every file of `content` is byte-identical below `dir/<name>`. */
export function assertSameFiles(content: Content, dir: string, who: string): void {
  for (const [rel, data] of content.files) {
    const got = new Uint8Array(readFileSync(join(dir, content.name, rel)));
    assert.equal(got.length, data.length, `${who}: ${rel} has the wrong size`);
    assert.ok(Buffer.compare(got, data) === 0, `${who}: ${rel} differs from the original`);
  }
}

/** Sends SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export function stopProcess(proc: ChildProcess, graceMs = 3000): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}

export interface LtStatus {
  progress: number;
  seeding: boolean;
  downloaded: number;
  uploaded: number;
  peers: { ip: string; port: number; client: string; downloaded: number; uploaded: number }[];
}

export interface LtPeer {
  port: number;
  connect(host: string, port: number): void;
  finished: Promise<void>;
  status(): Promise<LtStatus>;
  stop(): Promise<void>;
}

/** Starts a libtorrent peer of `torrentPath` with its data folder `saveDir`, listening on `ip` (upload limit in bytes/s, 0: none). */
export async function startLibtorrent(t: TestContext, torrentPath: string, saveDir: string, ip = '127.0.0.1', uploadLimit = 0): Promise<LtPeer> {
  const proc: ChildProcessWithoutNullStreams = spawn(PYTHON, [join(import.meta.dirname, '../interop/fixtures/lt_peer.py'), torrentPath, saveDir, ip, String(uploadLimit)], {
    stdio: 'pipe',
  });
  let log = '';
  proc.stderr.on('data', (d) => (log += String(d)));
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.stdin.end(`${JSON.stringify({ cmd: 'quit' })}\n`);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  t.after(stop);
  const waiters = new Map<string, ((ev: Record<string, unknown>) => void)[]>();
  const seen = new Map<string, Record<string, unknown>>();
  const exited = new Promise<never>((_, reject) => proc.once('exit', (code) => reject(new Error(`libtorrent exited with ${code}\n${log}`))));
  exited.catch(() => {});
  let buf = '';
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (d: string) => {
    buf += d;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const ev = JSON.parse(buf.slice(0, nl)) as Record<string, unknown> & { ev: string };
      buf = buf.slice(nl + 1);
      seen.set(ev.ev, ev);
      const list = waiters.get(ev.ev) ?? [];
      waiters.delete(ev.ev);
      for (const w of list) w(ev);
    }
  });
  const next = (name: string, fresh = false) =>
    Promise.race([
      exited,
      new Promise<Record<string, unknown>>((resolve) => {
        const had = seen.get(name);
        if (had && !fresh) return resolve(had);
        waiters.set(name, [...(waiters.get(name) ?? []), resolve]);
      }),
    ]);
  const ready = await Promise.race([
    next('ready'),
    next('error').then((e) => Promise.reject(new Error(`libtorrent: ${String(e.message)}\n${log}`))),
  ]);
  const send = (c: Record<string, unknown>) => proc.stdin.write(`${JSON.stringify(c)}\n`);
  const finished = next('finished').then(() => undefined);
  finished.catch(() => {});
  return {
    port: ready.port as number,
    connect: (host, port) => send({ cmd: 'connect', host, port }),
    finished,
    status: async () => {
      const p = next('status', true);
      send({ cmd: 'status' });
      return (await p) as unknown as LtStatus;
    },
    stop,
  };
}

const ARIA2_OFF = ['--enable-dht=false', '--enable-dht6=false', '--bt-enable-lpd=false', '--enable-peer-exchange=false'];

export interface Aria2Peer {
  proc: ChildProcess;
  /** Resolves with the exit code. */
  exit: Promise<number | null>;
  log(): string;
  stop(): Promise<void>;
}

/**
 * Runs aria2c on a .torrent. `seed`: checks the data in `dir` (-V) and seeds without a ratio
 * limit until stopped; otherwise downloads and exits 0 once complete (--seed-time=0), or keeps
 * seeding after completion with `keepSeeding`.
 */
export function startAria2(
  t: TestContext,
  options: { torrentPath: string; dir: string; port: number; seed?: boolean; keepSeeding?: boolean; ip?: string },
): Aria2Peer {
  const args = [
    ...ARIA2_OFF,
    `--dir=${options.dir}`,
    `--listen-port=${options.port}`,
    `--interface=${options.ip ?? '127.0.0.1'}`,
    '--bt-require-crypto=false',
    '--bt-detach-seed-only=false',
    '--follow-torrent=false',
    '--file-allocation=none',
    '--check-integrity=true',
    '--console-log-level=warn',
    '--summary-interval=0',
    '--bt-stop-timeout=0',
    '--bt-tracker-connect-timeout=5',
    '--bt-tracker-interval=2',
    '--allow-overwrite=true',
  ];
  if (options.seed) args.push('--seed-ratio=0.0', '-V');
  else if (options.keepSeeding) args.push('--seed-ratio=0.0');
  else args.push('--seed-time=0');
  const proc = spawn('aria2c', [...args, options.torrentPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.on('data', (d) => (log += String(d)));
  proc.stderr.on('data', (d) => (log += String(d)));
  const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const stop = () => stopProcess(proc);
  t.after(stop);
  return { proc, exit, log: () => log, stop };
}

/** Writes the torrent next to the content so external programs can read it. */
export function writeTorrent(content: Content, dir: string, name = 'test.torrent'): string {
  const p = join(dir, name);
  writeFileSync(p, content.torrent);
  return p;
}

/** `p`, or a rejection naming `what` after `ms` milliseconds. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} not done in ${ms} ms`)), ms).unref())]);
}

/**
 * A Transmission seeder of `content` (whose files are in `<dir>/seed`) inside the namespace, on
 * the namespace's address and `port`; resolves once it has checked the data and seeds.
 */
export async function transmissionSeeder(t: TestContext, ns: NetNs, content: Content, dir: string, port: number): Promise<TransmissionPeer> {
  const seeder = startTransmission(t, {
    exec: ns.exec,
    torrentPath: writeTorrent(content, dir),
    dir: join(dir, 'seed'),
    configDir: join(dir, 'tr-config'),
    ip: ns.nsIp,
    port,
    verify: true,
  });
  await within(seeder.seeding, 60_000, 'Transmission check');
  return seeder;
}

/** Resolves once something accepts TCP connections on host:port (polls every 100 ms, up to `ms`). */
export async function waitForPort(host: string, port: number, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on ${host}:${port} after ${ms} ms`);
}

export interface WtPeer {
  port: number;
  done: Promise<{ uploaded: number; downloaded: number }>;
  stop(): Promise<void>;
}

/**
 * Runs a webtorrent peer (test/interop/fixtures/wt_peer.mjs) in its own process: `seed` verifies
 * the data in `dir` and then listens; `leech` downloads into `dir` from `peer` ("host:port").
 */
export async function startWebtorrent(t: TestContext, mode: 'seed' | 'leech', torrentPath: string, dir: string, peer?: string): Promise<WtPeer> {
  const proc = spawn(process.execPath, [join(import.meta.dirname, '../interop/fixtures/wt_peer.mjs'), mode, torrentPath, dir, ...(peer ? [peer] : [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  proc.stderr.on('data', (d) => (log += String(d)));
  const stop = () => stopProcess(proc);
  t.after(stop);
  const events = new Map<string, (ev: Record<string, number>) => void>();
  const on = (name: string) =>
    new Promise<Record<string, number>>((resolve, reject) => {
      events.set(name, resolve);
      proc.once('exit', (code) => reject(new Error(`webtorrent exited with ${code}: ${log}`)));
    });
  const ready = on('ready');
  const done = on('done').then((d) => ({ uploaded: d.uploaded, downloaded: d.downloaded }));
  done.catch(() => {});
  let buf = '';
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (d: string) => {
    buf += d;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const ev = JSON.parse(buf.slice(0, nl)) as Record<string, number> & { ev: string };
      buf = buf.slice(nl + 1);
      events.get(ev.ev as unknown as string)?.(ev);
    }
  });
  const r = await ready;
  return { port: r.port, done, stop };
}

export interface TransmissionPeer {
  /** Resolves when transmission-cli reports the torrent complete (seeding). */
  seeding: Promise<void>;
  log(): string;
  stop(): Promise<void>;
}

/**
 * Runs transmission-cli on a .torrent inside a network namespace (argv prefix `exec`), with DHT,
 * LPD, PEX, uTP and port mapping off, preferring unencrypted connections, listening on `ip:port`.
 * With the data present in `dir`, `verify` checks it and seeds.
 */
export function startTransmission(
  t: TestContext,
  options: { exec: string[]; torrentPath: string; dir: string; configDir: string; ip: string; port: number; verify?: boolean },
): TransmissionPeer {
  mkdirSync(options.configDir, { recursive: true });
  writeFileSync(
    join(options.configDir, 'settings.json'),
    JSON.stringify({
      'dht-enabled': false,
      'lpd-enabled': false,
      'pex-enabled': false,
      'utp-enabled': false,
      'port-forwarding-enabled': false,
      'rpc-enabled': false,
      encryption: 0,
      'bind-address-ipv4': options.ip,
      'peer-port': options.port,
      'ratio-limit-enabled': false,
      'idle-seeding-limit-enabled': false,
      'speed-limit-up-enabled': false,
      'speed-limit-down-enabled': false,
    }),
  );
  const args = ['transmission-cli', '-g', options.configDir, '-w', options.dir, '-p', String(options.port), '-M', '-et', '-D', '-U'];
  if (options.verify) args.push('-v');
  const [cmd, ...rest] = [...options.exec, ...args, options.torrentPath];
  let log = '';
  let seeded = false;
  let proc: ChildProcess;
  let resolveSeeding!: () => void;
  let rejectSeeding!: (err: Error) => void;
  const seeding = new Promise<void>((resolve, reject) => {
    resolveSeeding = resolve;
    rejectSeeding = reject;
  });
  seeding.catch(() => {});
  // transmission-cli 3.00 sometimes exits with 0 right after verifying complete data, before it
  // seeds (its main loop can see the torrent stopped between the check and the restart): once,
  // it is started again.
  const launch = (attempt: number): void => {
    proc = spawn(cmd, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.once('exit', (code) => {
      if (!seeded && code === 0 && options.verify && attempt === 0 && /Removing torrent/.test(log)) {
        log += '\n[restarted after an early exit]\n';
        launch(1);
        return;
      }
      rejectSeeding(new Error(`transmission-cli exited with ${code}: ${log.slice(-2000)}`));
    });
    const onData = (d: Buffer) => {
      log += String(d);
      if (!seeded && /Seeding/.test(log)) {
        seeded = true;
        resolveSeeding();
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
  };
  launch(0);
  const stop = () => stopProcess(proc, 2000);
  t.after(stop);
  return { seeding, log: () => log, stop };
}
