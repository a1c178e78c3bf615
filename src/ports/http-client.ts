/** A minimal HTTP GET port (tracker announces and scrapes), implemented on node:http in adapters. */
export interface HttpGetResponse {
  status: number;
  body: Uint8Array;
}

export interface HttpGetOptions {
  signal?: AbortSignal;
  /** Give up after this many ms (BT_ERR_TRACKER_TIMEOUT). */
  timeoutMs?: number;
  /** Refuse bodies larger than this (BT_ERR_TRACKER_TOO_LARGE). */
  maxBytes?: number;
  headers?: Record<string, string>;
}

export interface HttpGet {
  get(url: string, options?: HttpGetOptions): Promise<HttpGetResponse>;
}
