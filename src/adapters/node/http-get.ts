/** The HttpGet port on node:http / node:https, with a timeout, an AbortSignal and a body size cap. */
// A fresh connection per request: trackers announce every few minutes, and many (opentracker)
// close the connection after each answer, which would break a reused keep-alive socket.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { TrackerError, TrackerErrorCode as E } from '../../codecs/tracker/errors.js';
import type { HttpGet, HttpGetOptions, HttpGetResponse } from '../../ports/http-client.js';

/**
 * The HttpGet port; with `localAddress`, requests leave from that address (a client bound to one
 * address announces from it, so the tracker hands out the address peers can reach).
 */
export function httpGetFrom(localAddress?: string): HttpGet {
  return {
  get(url: string, options: HttpGetOptions = {}): Promise<HttpGetResponse> {
    return new Promise((resolve, reject) => {
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        reject(new TrackerError(E.BadUrl, `invalid URL ${url}`));
        return;
      }
      const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
      const max = options.maxBytes ?? 4 * 1024 * 1024;
      const req = request(u, { method: 'GET', agent: false, localAddress, headers: { 'User-Agent': 'torrentkit/0.1', ...options.headers }, signal: options.signal }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > max) {
            req.destroy(new TrackerError(E.TooLarge, 'response too large'));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => {
          const b = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, body: new Uint8Array(b.buffer, b.byteOffset, b.byteLength) });
        });
        res.on('error', (err) => reject(err instanceof TrackerError ? err : new TrackerError(E.Unreachable, err.message, { cause: err })));
      });
      req.setTimeout(options.timeoutMs ?? 15_000, () => req.destroy(new TrackerError(E.Timeout, `no answer from ${u.host} in time`)));
      req.on('error', (err) => {
        if (err instanceof TrackerError) reject(err);
        else if (options.signal?.aborted) reject(new TrackerError(E.Timeout, 'aborted', { cause: options.signal.reason }));
        else reject(new TrackerError(E.Unreachable, err.message, { cause: err }));
      });
      req.end();
    });
  },
};
}

export const nodeHttpGet: HttpGet = httpGetFrom();
