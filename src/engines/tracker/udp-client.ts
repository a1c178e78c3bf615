/**
 * UDP tracker client (BEP 15). A connection id is obtained with a connect request and reused for
 * one minute; each request is retransmitted after 15 * 2^n seconds (n = 0..8, so a dead tracker
 * takes about an hour to give up, as the BEP says; tests shrink the base). Responses are matched
 * by transaction id; an error action becomes a TrackerError with the tracker's message.
 */
import { TrackerError, TrackerErrorCode as E } from '../../codecs/tracker/errors.js';
import type { AnnounceResult, ScrapeEntry } from '../../codecs/tracker/types.js';
import {
  decodeUdpResponse,
  encodeUdpAnnounceRequest,
  encodeUdpConnectRequest,
  encodeUdpScrapeRequest,
  type UdpResponse,
} from '../../codecs/tracker/udp.js';
import type { Cancel, Clock } from '../../ports/clock.js';
import type { DatagramFactory, DatagramSocket } from '../../ports/datagram.js';
import type { Rng } from '../../ports/rng.js';
import type { AnnounceRequest, TrackerClient } from './types.js';

/** BEP 15: a client may use a connection id for one minute after receiving it. */
export const CONNECTION_ID_LIFETIME_MS = 60_000;
/** BEP 15: retransmit after 15 * 2^n seconds. */
export const RETRANSMIT_BASE_MS = 15_000;
/** BEP 15: n goes up to 8. */
export const MAX_RETRANSMITS = 8;

export interface UdpClientOptions {
  retransmitBaseMs?: number;
  maxRetransmits?: number;
}

interface Pending {
  resolve: (r: UdpResponse) => void;
  reject: (e: Error) => void;
}

export function parseUdpUrl(url: string): { host: string; port: number } {
  const m = /^udp:\/\/(\[[^\]]+\]|[^:/?#]+):(\d{1,5})(?:[/?#].*)?$/i.exec(url);
  if (!m) throw new TrackerError(E.BadUrl, `not a udp://host:port URL: ${url}`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new TrackerError(E.BadUrl, `bad port in ${url}`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

export class UdpTrackerClient implements TrackerClient {
  private socket: Promise<DatagramSocket> | undefined;
  private readonly pending = new Map<number, Pending>();
  private connection: { id: Uint8Array; at: number } | undefined;
  private readonly target: { host: string; port: number };
  private readonly base: number;
  private readonly maxN: number;
  private closed = false;

  constructor(
    private readonly deps: { clock: Clock; rng: Rng; datagrams: DatagramFactory },
    readonly url: string,
    options: UdpClientOptions = {},
  ) {
    this.target = parseUdpUrl(url);
    this.base = options.retransmitBaseMs ?? RETRANSMIT_BASE_MS;
    this.maxN = options.maxRetransmits ?? MAX_RETRANSMITS;
  }

  private get ipv6(): boolean {
    return this.target.host.includes(':');
  }

  private open(): Promise<DatagramSocket> {
    if (!this.socket) {
      this.socket = this.deps.datagrams.bind({ port: 0, address: this.ipv6 ? '::' : '0.0.0.0' }).then((s) => {
        s.onMessage((data, from) => {
          if (from.port !== this.target.port) return;
          let r: UdpResponse;
          try {
            r = decodeUdpResponse(data, this.ipv6);
          } catch {
            return;
          }
          const p = this.pending.get(r.transactionId);
          if (!p) return;
          this.pending.delete(r.transactionId);
          p.resolve(r);
        });
        s.onError(() => {});
        return s;
      });
    }
    return this.socket;
  }

  /** Sends `build(tid)` and waits for the matching response, retransmitting per BEP 15. */
  private async exchange(build: (tid: number) => Uint8Array, signal?: AbortSignal): Promise<UdpResponse> {
    if (this.closed) throw new TrackerError(E.Unreachable, 'client closed');
    const socket = await this.open();
    const tid = this.deps.rng.int(2 ** 32);
    const packet = build(tid);
    return new Promise<UdpResponse>((resolve, reject) => {
      let n = 0;
      let cancel: Cancel = () => {};
      const done = () => {
        cancel();
        this.pending.delete(tid);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        done();
        reject(new TrackerError(E.Timeout, 'announce aborted', { cause: signal?.reason }));
      };
      const attempt = () => {
        socket.send(packet, this.target.port, this.target.host);
        cancel = this.deps.clock.setTimeout(() => {
          if (n >= this.maxN) {
            done();
            reject(new TrackerError(E.Timeout, `no answer from ${this.url} after ${n + 1} tries`));
            return;
          }
          n++;
          attempt();
        }, this.base * 2 ** n);
      };
      this.pending.set(tid, {
        resolve: (r) => {
          done();
          if (r.action === 'error') reject(new TrackerError(E.Failure, r.message));
          else resolve(r);
        },
        reject,
      });
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      attempt();
    });
  }

  private async connectionId(signal?: AbortSignal): Promise<Uint8Array> {
    const c = this.connection;
    if (c && this.deps.clock.now() - c.at < CONNECTION_ID_LIFETIME_MS) return c.id;
    const r = await this.exchange((tid) => encodeUdpConnectRequest(tid), signal);
    if (r.action !== 'connect') throw new TrackerError(E.BadResponse, `expected connect, got ${r.action}`);
    this.connection = { id: r.connectionId, at: this.deps.clock.now() };
    return r.connectionId;
  }

  /** Runs a request; a tracker that rejects our connection id (it restarted) gets one retry with a fresh id. */
  private async withConnection(send: (cid: Uint8Array, signal?: AbortSignal) => Promise<UdpResponse>, signal?: AbortSignal): Promise<UdpResponse> {
    const cid = await this.connectionId(signal);
    try {
      return await send(cid, signal);
    } catch (err) {
      if (!(err instanceof TrackerError) || err.code !== E.Failure || !/connection id/i.test(err.reason)) throw err;
      this.connection = undefined;
      return send(await this.connectionId(signal), signal);
    }
  }

  async announce(req: AnnounceRequest, opts: { signal?: AbortSignal } = {}): Promise<AnnounceResult> {
    const r = await this.withConnection(
      (cid, signal) => this.exchange((tid) => encodeUdpAnnounceRequest({ ...req, connectionId: cid, transactionId: tid }), signal),
      opts.signal,
    );
    if (r.action !== 'announce') throw new TrackerError(E.BadResponse, `expected announce, got ${r.action}`);
    return {
      interval: r.interval,
      minInterval: undefined,
      trackerId: undefined,
      complete: r.seeders,
      incomplete: r.leechers,
      warning: undefined,
      peers: r.peers,
    };
  }

  async scrape(infoHashes: readonly Uint8Array[], opts: { signal?: AbortSignal } = {}): Promise<ScrapeEntry[]> {
    const r = await this.withConnection((cid, signal) => this.exchange((tid) => encodeUdpScrapeRequest(cid, tid, infoHashes), signal), opts.signal);
    if (r.action !== 'scrape') throw new TrackerError(E.BadResponse, `expected scrape, got ${r.action}`);
    if (r.entries.length !== infoHashes.length) throw new TrackerError(E.BadResponse, 'scrape answer has the wrong number of entries');
    return r.entries.map((e, i) => ({ infoHash: infoHashes[i], ...e }));
  }

  close(): void {
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new TrackerError(E.Unreachable, 'client closed'));
    this.pending.clear();
    void this.socket?.then((s) => s.close()).catch(() => {});
  }
}
