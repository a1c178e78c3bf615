/**
 * The SQLite SwarmStore (better-sqlite3): swarms and completed counts survive a restart.
 *
 * Reads and peer selection are served from an in-memory working set (the MemorySwarmStore), so
 * SQLite is never on the announce path; every change is journalled and written in one
 * transaction per flush (every `flushMs`, and at close), so thousands of announces cost one
 * commit. After a crash at most the last `flushMs` of announces are lost, which clients repair
 * with their next announce.
 */
import Database from 'better-sqlite3';
import type { ScrapeEntry } from '../../codecs/tracker/types.js';
import { MemorySwarmStore } from '../../engines/tracker-server/memory-store.js';
import type { Cancel, Clock } from '../../ports/clock.js';
import type { Rng } from '../../ports/rng.js';
import type { SwarmAnnounce, SwarmAnnounceResult, SwarmStore, SwarmTotals } from '../../ports/swarm-store.js';
import { bytesToBinary, binaryToBytes } from '../../util/bytes.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS swarms (info_hash BLOB PRIMARY KEY, downloaded INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS peers (
  info_hash BLOB NOT NULL, peer_id BLOB NOT NULL, ip TEXT NOT NULL, port INTEGER NOT NULL,
  seeder INTEGER NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (info_hash, peer_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS peers_expiry ON peers (expires_at);
`;

interface PendingPeer {
  infoHash: Uint8Array;
  peerId: Uint8Array;
  /** undefined = delete. */
  state: { ip: string; port: number; seeder: boolean; expiresAt: number } | undefined;
}

export interface SqliteStoreOptions {
  path: string;
  /** Milliseconds between batched writes. */
  flushMs?: number;
}

export class SqliteSwarmStore implements SwarmStore {
  private readonly db: Database.Database;
  private readonly mem: MemorySwarmStore;
  private readonly pendingPeers = new Map<string, PendingPeer>();
  private readonly pendingSwarms = new Map<string, number>();
  private readonly stopFlush: Cancel;
  private closed = false;
  private readonly writeBatch: () => void;

  constructor(deps: { rng: Rng; clock: Clock }, options: SqliteStoreOptions) {
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.mem = new MemorySwarmStore({ rng: deps.rng });
    for (const row of this.db.prepare('SELECT info_hash, downloaded FROM swarms').iterate() as Iterable<{ info_hash: Buffer; downloaded: number }>) {
      this.mem.restoreDownloaded(new Uint8Array(row.info_hash), row.downloaded);
    }
    const peers = this.db.prepare('SELECT info_hash, peer_id, ip, port, seeder, expires_at FROM peers').iterate() as Iterable<{
      info_hash: Buffer;
      peer_id: Buffer;
      ip: string;
      port: number;
      seeder: number;
      expires_at: number;
    }>;
    for (const r of peers) {
      this.mem.restorePeer(new Uint8Array(r.info_hash), { peerId: new Uint8Array(r.peer_id), ip: r.ip, port: r.port }, r.seeder === 1, r.expires_at);
    }
    const upsertPeer = this.db.prepare(
      'INSERT INTO peers (info_hash, peer_id, ip, port, seeder, expires_at) VALUES (?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT (info_hash, peer_id) DO UPDATE SET ip = excluded.ip, port = excluded.port, seeder = excluded.seeder, expires_at = excluded.expires_at',
    );
    const deletePeer = this.db.prepare('DELETE FROM peers WHERE info_hash = ? AND peer_id = ?');
    const upsertSwarm = this.db.prepare(
      'INSERT INTO swarms (info_hash, downloaded) VALUES (?, ?) ON CONFLICT (info_hash) DO UPDATE SET downloaded = excluded.downloaded',
    );
    this.writeBatch = this.db.transaction(() => {
      for (const p of this.pendingPeers.values()) {
        if (p.state) upsertPeer.run(p.infoHash, p.peerId, p.state.ip, p.state.port, p.state.seeder ? 1 : 0, p.state.expiresAt);
        else deletePeer.run(p.infoHash, p.peerId);
      }
      for (const [key, downloaded] of this.pendingSwarms) upsertSwarm.run(binaryToBytes(key), downloaded);
    });
    this.stopFlush = deps.clock.setInterval(() => this.flush(), options.flushMs ?? 1000);
  }

  /** Writes every pending change in one transaction. */
  flush(): void {
    if (this.pendingPeers.size === 0 && this.pendingSwarms.size === 0) return;
    this.writeBatch();
    this.pendingPeers.clear();
    this.pendingSwarms.clear();
  }

  async announce(a: SwarmAnnounce): Promise<SwarmAnnounceResult> {
    return this.announceSync(a);
  }

  /** Answers from the working set at once; the change waits in the journal for the next flush. */
  announceSync(a: SwarmAnnounce): SwarmAnnounceResult {
    const before = this.mem.downloadedOf(a.infoHash);
    const res = this.mem.announceSync(a);
    const key = bytesToBinary(a.infoHash) + bytesToBinary(a.peer.peerId);
    this.pendingPeers.set(key, {
      infoHash: a.infoHash,
      peerId: a.peer.peerId,
      state: a.event === 'stopped' ? undefined : { ip: a.peer.ip, port: a.peer.port, seeder: a.left === 0, expiresAt: a.now + a.ttlMs },
    });
    if (res.downloaded !== before) this.pendingSwarms.set(bytesToBinary(a.infoHash), res.downloaded);
    return res;
  }

  async scrape(infoHashes: readonly Uint8Array[]): Promise<ScrapeEntry[]> {
    return this.mem.scrape(infoHashes);
  }

  async expire(now: number): Promise<number> {
    this.flush();
    const removed = await this.mem.expire(now);
    this.db.prepare('DELETE FROM peers WHERE expires_at <= ?').run(now);
    return removed;
  }

  async totals(): Promise<SwarmTotals> {
    return this.mem.totals();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopFlush();
    this.flush();
    this.db.close();
  }
}
