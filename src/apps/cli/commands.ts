/**
 * The list of CLI commands, in the order --help shows them. Each command's module is loaded only
 * when it runs: `download` never loads the tracker's SQLite and WebSocket code, which keeps the
 * memory of a long-running download or seed smaller (each module costs heap and code space).
 * The summaries here must match the modules' own (a test checks it).
 */
import type { Command } from './command.js';

export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

export const commands: CommandEntry[] = [
  { name: 'download', summary: 'download a torrent (file, magnet link, info hash or URL)', load: async () => (await import('./download.js')).downloadCommand },
  { name: 'seed', summary: 'seed a file, folder or torrent until interrupted', load: async () => (await import('./seed.js')).seedCommand },
  { name: 'stream', summary: 'stream a torrent over HTTP to a media player while it downloads', load: async () => (await import('./stream.js')).streamCommand },
  { name: 'create', summary: 'create a .torrent (v1, v2 or hybrid) from a file or folder', load: async () => (await import('./create.js')).createCommand },
  { name: 'info', summary: 'show what a torrent holds: name, info hashes, size, pieces, files, trackers', load: async () => (await import('./info.js')).infoCommand },
  { name: 'magnet', summary: 'print the magnet link of a torrent', load: async () => (await import('./magnet.js')).magnetCommand },
  { name: 'tracker', summary: 'run a BitTorrent tracker (HTTP, UDP and WebSocket)', load: async () => (await import('./tracker.js')).trackerCommand },
  { name: 'dht', summary: 'run a DHT node, or look up / announce peers of an info hash in the DHT', load: async () => (await import('./dht.js')).dhtCommand },
];
