/**
 * HTTP tracker client (BEP 3 announce, BEP 48 scrape; BEP 23 compact and dictionary peer lists,
 * BEP 7 `peers6`). Keeps the `tracker id` a tracker hands out and sends it back, as BEP 3 asks.
 */
import { TrackerError, TrackerErrorCode as E } from '../../codecs/tracker/errors.js';
import { buildAnnounceQuery, buildScrapeQuery, scrapeUrlOf, withQuery } from '../../codecs/tracker/query.js';
import { decodeAnnounceResponse, decodeScrapeResponse, MAX_RESPONSE_BYTES } from '../../codecs/tracker/response.js';
import type { AnnounceResult, ScrapeEntry } from '../../codecs/tracker/types.js';
import type { HttpGet } from '../../ports/http-client.js';
import type { AnnounceRequest, TrackerClient } from './types.js';

export class HttpTrackerClient implements TrackerClient {
  private trackerId: string | undefined;

  constructor(
    private readonly deps: { http: HttpGet },
    readonly url: string,
    private readonly options: { timeoutMs?: number } = {},
  ) {}

  async announce(req: AnnounceRequest, opts: { signal?: AbortSignal } = {}): Promise<AnnounceResult> {
    const query = buildAnnounceQuery({ ...req, key: (req.key >>> 0).toString(16).padStart(8, '0'), compact: true, trackerId: this.trackerId });
    const res = await this.deps.http.get(withQuery(this.url, query), { signal: opts.signal, timeoutMs: this.options.timeoutMs, maxBytes: MAX_RESPONSE_BYTES });
    if (res.status !== 200) {
      // Some trackers send a bencoded failure with an error status: prefer its reason.
      try {
        decodeAnnounceResponse(res.body);
      } catch (err) {
        if (err instanceof TrackerError && err.code === E.Failure) throw err;
      }
      throw new TrackerError(E.BadResponse, `tracker answered HTTP ${res.status}`);
    }
    const out = decodeAnnounceResponse(res.body);
    if (out.trackerId !== undefined) this.trackerId = out.trackerId;
    return out;
  }

  async scrape(infoHashes: readonly Uint8Array[], opts: { signal?: AbortSignal } = {}): Promise<ScrapeEntry[]> {
    const base = scrapeUrlOf(this.url);
    if (!base) throw new TrackerError(E.BadUrl, `${this.url} does not support scrape (BEP 48)`);
    const res = await this.deps.http.get(withQuery(base, buildScrapeQuery(infoHashes)), { signal: opts.signal, timeoutMs: this.options.timeoutMs, maxBytes: MAX_RESPONSE_BYTES });
    if (res.status !== 200) throw new TrackerError(E.BadResponse, `tracker answered HTTP ${res.status}`);
    return decodeScrapeResponse(res.body);
  }

  close(): void {}
}
