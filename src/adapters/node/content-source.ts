/**
 * ContentSource over node:fs. Like mktorrent: hidden files are included, symbolic links are
 * followed (a link to a file contributes the target's bytes under the link's name; a link cycle
 * is skipped), and anything that is not a regular file or a folder (sockets, FIFOs, devices) is
 * left out.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { ContentFile, ContentListing, ContentSource } from '../../ports/content-source.js';
import { TorrentkitError, throwIfAborted } from '../../util/errors.js';

export interface NodeContentSourceOptions {
  /** Base for relative inputs (default: process.cwd()). */
  readonly cwd?: string;
}

export class NodeContentSource implements ContentSource {
  constructor(private readonly options: NodeContentSourceOptions = {}) {}

  async list(input: string, options: { readonly signal?: AbortSignal } = {}): Promise<ContentListing> {
    const root = resolve(this.options.cwd ?? process.cwd(), input);
    let st;
    try {
      st = await stat(root);
    } catch (err) {
      throw new TorrentkitError('BT_ERR_CREATE_INPUT', `cannot read ${input}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
    }
    const name = basename(root);
    if (st.isFile()) return { name, singleFile: true, files: [{ path: [name], length: st.size, location: root }] };
    if (!st.isDirectory()) throw new TorrentkitError('BT_ERR_CREATE_INPUT', `${input} is neither a file nor a folder`);
    const files: ContentFile[] = [];
    await walk(root, [], new Set([await realpath(root)]), files, options.signal);
    return { name, singleFile: false, files };
  }
}

async function walk(dir: string, prefix: string[], ancestors: Set<string>, out: ContentFile[], signal: AbortSignal | undefined): Promise<void> {
  throwIfAborted(signal);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw new TorrentkitError('BT_ERR_CREATE_INPUT', `cannot list ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  for (const name of names) {
    const full = join(dir, name);
    let st;
    try {
      st = await stat(full);
    } catch (err) {
      // A dangling symbolic link: nothing to hash.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ELOOP') continue;
      throw new TorrentkitError('BT_ERR_CREATE_INPUT', `cannot read ${full}: ${(err as Error).message}`, { cause: err });
    }
    if (st.isFile()) out.push({ path: [...prefix, name], length: st.size, location: full });
    else if (st.isDirectory()) {
      const real = await realpath(full);
      if (ancestors.has(real)) continue; // a link back up the tree
      ancestors.add(real);
      await walk(full, [...prefix, name], ancestors, out, signal);
      ancestors.delete(real);
    }
  }
}
