/**
 * Resume data as files: `<dir>/<hex info hash>.resume`, replaced atomically (write to a temporary
 * file, fsync, rename) so that a crash never leaves a torn resume file.
 */
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResumeStore } from '../../ports/resume-store.js';

export class ResumeFiles implements ResumeStore {
  constructor(private readonly dir: string) {}

  private path(id: string): string {
    if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(id)) throw new Error(`bad resume id ${id}`);
    return join(this.dir, `${id}.resume`);
  }

  async load(id: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.path(id)));
    } catch {
      return undefined;
    }
  }

  async save(id: string, data: Uint8Array): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const final = this.path(id);
    const tmp = `${final}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, final);
  }

  async remove(id: string): Promise<void> {
    await rm(this.path(id), { force: true });
  }
}
