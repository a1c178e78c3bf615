/** Saves and loads a DHT node's id and routing table as a JSON file (written atomically). */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DhtState, DhtStorage } from '../../engines/dht/types.js';

export function dhtStateFile(path: string): DhtStorage {
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
      const parsed = JSON.parse(text) as DhtState;
      if (typeof parsed?.id !== 'string' || !Array.isArray(parsed.nodes)) return undefined;
      return parsed;
    },
    async save(state) {
      const tmp = `${path}.tmp`;
      await mkdir(dirname(path), { recursive: true });
      await writeFile(tmp, `${JSON.stringify(state)}\n`);
      await rename(tmp, path);
    },
  };
}
