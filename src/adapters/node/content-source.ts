/**
 * ContentSource over node:fs. Like mktorrent: hidden files are included, symbolic links are
 * followed (a link to a file contributes the target's bytes under the link's name; a link cycle
 * is skipped), and anything that is not a regular file or a folder (sockets, FIFOs, devices) is
 * left out.
 */
import { readdirSync, realpathSync, type Stats, statSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
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

/**
 * Entries listed per slice. Synchronous stat is about 5x cheaper than fs.promises (no thread-pool
 * round trip per call), so the walk runs synchronous slices of this many entries and yields to the
 * event loop between them: it never blocks for more than a slice (well under a millisecond on a
 * local disk).
 */
const SLICE = 256;

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

async function walk(dir: string, prefix: string[], ancestors: Set<string>, out: ContentFile[], signal: AbortSignal | undefined): Promise<void> {
  throwIfAborted(signal);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new TorrentkitError('BT_ERR_CREATE_INPUT', `cannot list ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  const dirs: string[] = [];
  for (let i = 0; i < names.length; i += SLICE) {
    if (i > 0) {
      await yieldToLoop();
      throwIfAborted(signal);
    }
    for (const name of names.slice(i, i + SLICE)) {
      const full = join(dir, name);
      const st = statOrSkip(full);
      if (st?.isFile()) out.push({ path: [...prefix, name], length: st.size, location: full });
      else if (st?.isDirectory()) dirs.push(name);
    }
  }
  for (const name of dirs) {
    const full = join(dir, name);
    const real = realpathSync(full);
    if (ancestors.has(real)) continue; // a link back up the tree
    ancestors.add(real);
    await yieldToLoop();
    await walk(full, [...prefix, name], ancestors, out, signal);
    ancestors.delete(real);
  }
}

/** stat (following links); undefined for a dangling or looping symbolic link. */
function statOrSkip(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP') return undefined;
    throw new TorrentkitError('BT_ERR_CREATE_INPUT', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}
