/** Limits shared by the tracker codecs: a hostile client or tracker never makes us allocate what it names. */
export interface TrackerLimits {
  /** Longest accepted query string in bytes. */
  maxQueryLength: number;
  /** Most parameters in one query string. */
  maxParams: number;
  /** Most info hashes in one scrape (BEP 48 has no limit; libtorrent sends one, some clients a few dozen). */
  maxScrapeHashes: number;
  /** Largest accepted numwant before the server's own cap is applied. */
  maxNumwant: number;
}

export const DEFAULT_TRACKER_LIMITS: TrackerLimits = {
  maxQueryLength: 8192,
  maxParams: 64,
  maxScrapeHashes: 100,
  maxNumwant: 10_000,
};

/** Largest amount a client may report for uploaded/downloaded/left: 2^53 - 1 bytes. */
export const MAX_AMOUNT = Number.MAX_SAFE_INTEGER;
