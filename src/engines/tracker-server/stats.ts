/**
 * Tracker statistics: request counters per transport, rejected requests per error code, the
 * announce rate over the last minute, and client software seen (BEP 20 peer id prefixes).
 */
import type { Clock } from '../../ports/clock.js';
import { parsePeerId } from '../../codecs/wire/peer-id.js';

export type Transport = 'http' | 'udp' | 'ws';

const RATE_WINDOW_S = 60;
const MAX_CLIENT_KINDS = 200;

export interface StatsSnapshot {
  announces: Record<Transport, number>;
  scrapes: Record<Transport, number>;
  /** Rejected or dropped requests by error code (bad input, timeouts, oversize, not allowed). */
  errors: Record<string, number>;
  /** Announces per second averaged over the last minute. */
  announcesPerSecond: number;
  /** Client name (from the peer id) -> announces. */
  clients: Record<string, number>;
  uptimeS: number;
}

/**
 * Names a client from its peer id: Azureus style `-XX1234-` (BEP 20) as its six characters (the
 * usual case, on every announce, without a parse), any other style the wire's peer id parser
 * knows (mainline, aria2, Shadow style...) by name and version.
 */
export function clientOf(peerId: Uint8Array): string {
  if (peerId.length >= 8 && peerId[0] === 0x2d && peerId[7] === 0x2d) {
    let printable = true;
    for (let i = 1; i < 7 && printable; i++) printable = peerId[i] >= 0x20 && peerId[i] < 0x7f;
    // The usual case in one flat string (this runs on every announce).
    if (printable) return String.fromCharCode(peerId[1], peerId[2], peerId[3], peerId[4], peerId[5], peerId[6]);
    let s = '';
    for (let i = 1; i < 7; i++) {
      const c = peerId[i];
      s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '?';
    }
    return s;
  }
  const known = parsePeerId(peerId);
  return known ? `${known.name} ${known.version}` : 'unknown';
}

export class TrackerStats {
  private readonly announces: Record<Transport, number> = { http: 0, udp: 0, ws: 0 };
  private readonly scrapes: Record<Transport, number> = { http: 0, udp: 0, ws: 0 };
  private readonly errors = new Map<string, number>();
  private readonly clients = new Map<string, number>();
  private readonly buckets = new Float64Array(RATE_WINDOW_S);
  private bucketSecond = 0;
  private readonly started: number;

  constructor(private readonly clock: Clock) {
    this.started = clock.now();
    this.bucketSecond = Math.floor(this.started / 1000);
  }

  private tick(): void {
    const sec = Math.floor(this.clock.now() / 1000);
    if (sec === this.bucketSecond) return;
    const gap = Math.min(sec - this.bucketSecond, RATE_WINDOW_S);
    for (let i = 1; i <= gap; i++) this.buckets[(this.bucketSecond + i) % RATE_WINDOW_S] = 0;
    this.bucketSecond = sec;
  }

  announce(transport: Transport, peerId: Uint8Array): void {
    this.announces[transport]++;
    this.tick();
    this.buckets[this.bucketSecond % RATE_WINDOW_S]++;
    const name = clientOf(peerId);
    const n = this.clients.get(name);
    if (n !== undefined) this.clients.set(name, n + 1);
    else if (this.clients.size < MAX_CLIENT_KINDS) this.clients.set(name, 1);
  }

  scrape(transport: Transport): void {
    this.scrapes[transport]++;
  }

  error(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  snapshot(): StatsSnapshot {
    this.tick();
    const elapsed = Math.max(1, Math.min(RATE_WINDOW_S, (this.clock.now() - this.started) / 1000));
    let sum = 0;
    for (let i = 0; i < RATE_WINDOW_S; i++) sum += this.buckets[i];
    return {
      announces: { ...this.announces },
      scrapes: { ...this.scrapes },
      errors: Object.fromEntries(this.errors),
      announcesPerSecond: sum / elapsed,
      clients: Object.fromEntries(this.clients),
      uptimeS: Math.floor((this.clock.now() - this.started) / 1000),
    };
  }
}
