/**
 * Media players `torrentkit stream` can start on the file's URL: the command line of each, with
 * subtitles when given. Pure: builds argv lists; stream.ts spawns them.
 */
import { TorrentkitError } from '../../util/errors.js';

export type PlayerName = 'vlc' | 'mpv' | 'mplayer' | 'iina';

/** Splits a shell-like argument string on whitespace, honouring single and double quotes. */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: '"' | "'" | undefined;
  let has = false;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (/\s/.test(ch)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else cur += ch;
  }
  if (quote) throw new TorrentkitError('BT_ERR_CLI_USAGE', `unterminated quote in "${text}"`);
  if (has || cur) out.push(cur);
  return out;
}

/** argv (program first) to play `url` with `player`, extra args before the URL. */
export function playerCommand(
  player: PlayerName | { command: string },
  url: string,
  options: { args?: readonly string[]; subtitles?: string; title?: string } = {},
): string[] {
  const extra = options.args ?? [];
  const sub = options.subtitles;
  if (typeof player === 'object') {
    const [cmd, ...base] = splitArgs(player.command);
    if (!cmd) throw new TorrentkitError('BT_ERR_CLI_USAGE', '--player needs a command');
    return [cmd, ...base, ...extra, url];
  }
  switch (player) {
    case 'vlc':
      return ['vlc', ...(sub ? [`--sub-file=${sub}`] : []), ...(options.title ? [`--meta-title=${options.title}`] : []), ...extra, url, '--play-and-exit'];
    case 'mpv':
      return ['mpv', ...(sub ? [`--sub-file=${sub}`] : []), ...(options.title ? [`--force-media-title=${options.title}`] : []), ...extra, url];
    case 'mplayer':
      return ['mplayer', ...(sub ? ['-sub', sub] : []), ...extra, url];
    case 'iina':
      return ['iina', '--no-stdin', ...(sub ? [`--mpv-sub-file=${sub}`] : []), ...extra, url];
  }
}
