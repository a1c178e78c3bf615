/**
 * The list of CLI commands, in the order --help shows them. Each entry names its module and loads
 * it only when the command runs (or shows its help): start-up then pays for one command's imports,
 * not for every command's (about 130 ms of CPU with all of them loaded). `commands.test.ts` keeps
 * the names and summaries here equal to the commands' own.
 */
import type { Command } from './command.js';

export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  load(): Promise<Command>;
}

export const commands: readonly CommandEntry[] = [
  { name: 'download', summary: 'download a torrent (file, magnet link, info hash or URL)', load: async () => (await import('./download.js')).downloadCommand },
  { name: 'seed', summary: 'seed a file, folder or torrent until interrupted', load: async () => (await import('./seed.js')).seedCommand },
  { name: 'stream', summary: 'stream a torrent over HTTP to a media player while it downloads', load: async () => (await import('./stream.js')).streamCommand },
  { name: 'create', summary: 'create a .torrent (v1, v2 or hybrid) from a file or folder', load: async () => (await import('./create.js')).createCommand },
  { name: 'info', summary: 'show what a torrent holds: name, info hashes, size, pieces, files, trackers', load: async () => (await import('./info.js')).infoCommand },
  { name: 'magnet', summary: 'print the magnet link of a torrent', load: async () => (await import('./magnet.js')).magnetCommand },
  { name: 'tracker', summary: 'run a BitTorrent tracker (HTTP, UDP and WebSocket)', load: async () => (await import('./tracker.js')).trackerCommand },
  { name: 'dht', summary: 'run a DHT node, or look up / announce peers of an info hash in the DHT', load: async () => (await import('./dht.js')).dhtCommand },
];
