/**
 * The SQLite store's writer thread: it owns the write connection and applies the journal batches
 * the store posts (one transaction per batch), so that no SQLite write ever runs on the event loop
 * that answers announces. Messages are handled in order; `close` answers once everything before
 * it is written and the database is closed.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { readChanges } from '../../engines/tracker-server/replicated-store.js';

/** What the store posts to its writer. */
export type SqliteWriterMessage =
  | { kind: 'batch'; changes: Uint8Array; swarms: [Uint8Array, number][] }
  | { kind: 'expire'; now: number }
  | { kind: 'close' };

const { path } = workerData as { path: string };
const db = new Database(path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
const upsertPeer = db.prepare(
  'INSERT INTO peers (info_hash, peer_id, ip, port, seeder, expires_at) VALUES (?, ?, ?, ?, ?, ?) ' +
    'ON CONFLICT (info_hash, peer_id) DO UPDATE SET ip = excluded.ip, port = excluded.port, seeder = excluded.seeder, expires_at = excluded.expires_at',
);
const deletePeer = db.prepare('DELETE FROM peers WHERE info_hash = ? AND peer_id = ?');
const upsertSwarm = db.prepare('INSERT INTO swarms (info_hash, downloaded) VALUES (?, ?) ON CONFLICT (info_hash) DO UPDATE SET downloaded = excluded.downloaded');
const expire = db.prepare('DELETE FROM peers WHERE expires_at <= ?');

const writeBatch = db.transaction((changes: Uint8Array, swarms: [Uint8Array, number][]) => {
  readChanges(changes, (a) => {
    if (a.event === 'stopped') deletePeer.run(a.infoHash, a.peer.peerId);
    else upsertPeer.run(a.infoHash, a.peer.peerId, a.peer.ip, a.peer.port, a.left === 0 ? 1 : 0, a.now + a.ttlMs);
  });
  for (const [hash, downloaded] of swarms) upsertSwarm.run(hash, downloaded);
});

parentPort!.on('message', (m: SqliteWriterMessage) => {
  if (m.kind === 'batch') writeBatch(m.changes, m.swarms);
  else if (m.kind === 'expire') expire.run(m.now);
  else {
    db.close();
    // The store terminates this thread when it reads this.
    parentPort!.postMessage('closed');
  }
});
