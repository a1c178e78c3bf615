/**
 * What a torrent has when it starts: resume data where it can be trusted, a hash check for the
 * rest (only pieces whose files exist and are long enough), everything with `verify`, or nothing
 * checked at all with `assumeComplete` (then pieces are verified lazily on first read).
 */
import { decodeResume, encodeResume, resumeCheck } from '../../codecs/resume.js';
import type { Hasher } from '../../ports/hasher.js';
import type { ResumeStore } from '../../ports/resume-store.js';
import type { Storage, StorageFile } from '../../ports/storage.js';
import { Bitfield } from '../../util/bitfield.js';
import type { Logger } from '../../util/logger.js';
import { checkPieces } from './checker.js';

export interface StartupInput {
  id: string;
  infoHash: Uint8Array;
  files: readonly StorageFile[];
  pieceLength: number;
  pieceCount: number;
  pieceHashes: Uint8Array;
  storage: Storage;
  hasher: Hasher;
  resumeStore?: ResumeStore;
  logger: Logger;
  verify?: boolean;
  assumeComplete?: boolean;
  signal?: AbortSignal;
  onProgress?: (bytes: number) => void;
}

export interface StartupResult {
  have: Bitfield;
  /** Pieces to verify on first read (assumeComplete). */
  unverified?: Bitfield;
  uploaded: number;
  downloaded: number;
  /** How the pieces were established. */
  source: 'resume' | 'check' | 'resume+check' | 'assumed' | 'new';
}

export async function startup(input: StartupInput): Promise<StartupResult> {
  const { pieceCount } = input;
  if (input.assumeComplete) {
    return { have: Bitfield.full(pieceCount), unverified: Bitfield.full(pieceCount), uploaded: 0, downloaded: 0, source: 'assumed' };
  }
  const stats = await input.storage.stat();
  let trusted = new Bitfield(pieceCount);
  let uploaded = 0;
  let downloaded = 0;
  let usedResume = false;
  if (!input.verify && input.resumeStore) {
    const bytes = await input.resumeStore.load(input.id);
    if (bytes) {
      try {
        const resume = decodeResume(bytes, input.infoHash, pieceCount);
        trusted = resumeCheck(resume, stats, input.files, input.pieceLength);
        uploaded = resume.uploaded;
        downloaded = resume.downloaded;
        usedResume = true;
      } catch (err) {
        input.logger.warn('startup', 'resume data ignored', { error: String(err) });
      }
    }
  }
  // Pieces not vouched for by the resume data are hashed if their files could hold them.
  const only = new Bitfield(pieceCount);
  only.fill();
  for (const i of trusted.ones()) only.set(i, false);
  const anyData = stats.some((s, i) => !input.files[i].pad && s.size > 0);
  if (!anyData || only.isEmpty()) {
    return { have: trusted, uploaded, downloaded, source: usedResume ? 'resume' : 'new' };
  }
  const checked = await checkPieces(
    input.hasher,
    { files: input.files, pieceLength: input.pieceLength, pieceHashes: input.pieceHashes, storage: input.storage, stats, only },
    { signal: input.signal, onProgress: input.onProgress },
  );
  for (const i of checked.ones()) trusted.set(i);
  return { have: trusted, uploaded, downloaded, source: usedResume ? 'resume+check' : 'check' };
}

/** Writes the resume data of a torrent. */
export async function saveResume(
  store: ResumeStore,
  input: { id: string; infoHash: Uint8Array; have: Bitfield; storage: Storage; uploaded: number; downloaded: number; now: number },
): Promise<void> {
  await input.storage.flush();
  const files = await input.storage.stat();
  await store.save(
    input.id,
    encodeResume({
      infoHash: input.infoHash,
      pieceCount: input.have.length,
      have: input.have,
      files,
      uploaded: input.uploaded,
      downloaded: input.downloaded,
      savedAt: input.now,
    }),
  );
}
