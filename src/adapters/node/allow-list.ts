/**
 * Private mode's allow list file: one info hash per line (40 hex chars; `#` starts a comment),
 * read at start and re-read when the file changes (polled, which also survives editors that
 * replace the file). A file that cannot be parsed keeps the previous list and is reported.
 */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { TorrentkitError } from '../../util/errors.js';
import { fromHex } from '../../util/bytes.js';

export function parseAllowList(text: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    if (!/^[0-9a-fA-F]{40}$/.test(line)) throw new TorrentkitError('BT_ERR_TRACKER_ALLOW_LIST', `line ${i + 1}: not a 40-hex-digit info hash`);
    out.push(fromHex(line));
  }
  return out;
}

/** Loads the file now and whenever it changes; returns a function that stops watching. */
export function watchAllowList(
  path: string,
  apply: (hashes: Uint8Array[]) => void,
  onError: (err: Error) => void,
  pollMs = 1000,
): () => void {
  apply(parseAllowList(readFileSync(path, 'utf8')));
  const listener = () => {
    try {
      apply(parseAllowList(readFileSync(path, 'utf8')));
    } catch (err) {
      onError(err as Error);
    }
  };
  watchFile(path, { interval: pollMs, persistent: false }, listener);
  return () => unwatchFile(path, listener);
}
