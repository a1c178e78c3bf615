/** `torrentkit magnet <torrent-file>`: prints the torrent's magnet link (BEP 9 format). */
import { formatMagnet, magnetOf } from '../../codecs/metainfo/index.js';
import { TorrentkitError } from '../../util/errors.js';
import type { Command } from './command.js';
import { loadTorrent } from '../../adapters/node/torrent-input.js';

export const magnetCommand: Command = {
  name: 'magnet',
  summary: 'print the magnet link of a torrent',
  usage: '<torrent-file|URL>',
  details: 'The link carries the info hashes (btih and, for v2 and hybrid torrents, btmh), the name, every tracker and the web seeds.',
  options: {
    'no-trackers': { type: 'boolean', description: 'leave the trackers and web seeds out' },
  },
  async run(values, positionals, io) {
    if (positionals.length !== 1) throw new TorrentkitError('BT_ERR_CLI_USAGE', 'expected one torrent file (see torrentkit magnet --help)');
    const loaded = await loadTorrent(positionals[0], io.cwd, io.signal);
    if (loaded.kind === 'magnet') {
      // Already a magnet or a bare hash: print it in canonical form.
      io.stdout.write(`${formatMagnet(loaded.magnet)}\n`);
      return 0;
    }
    const meta = loaded.meta;
    const uri = values['no-trackers']
      ? formatMagnet({ ...(meta.infoHash ? { infoHash: meta.infoHash } : {}), ...(meta.infoHashV2 ? { infoHashV2: meta.infoHashV2 } : {}), name: meta.name })
      : magnetOf(meta);
    io.stdout.write(`${uri}\n`);
    return 0;
  },
};
