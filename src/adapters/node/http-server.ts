/**
 * The node:http adapter of the streaming handler (src/engines/http): moves requests in and bytes
 * out, with backpressure, and cancels the body stream (closing its reader and window) when the
 * client goes away. Binds 127.0.0.1 by default. Rejects requests whose Host is a name other than
 * localhost (DNS rebinding: a web page must not reach this server through a name it controls).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpRequest, HttpResponse } from '../../engines/http/index.js';
import { TorrentkitError } from '../../util/errors.js';

export interface StreamServerOptions {
  handler: (req: HttpRequest) => HttpResponse;
  /** Port (0: any free port). Default 8888. */
  port?: number;
  /** Address to bind. Default 127.0.0.1. */
  host?: string;
  /** Extra host names (without port) to accept besides IP literals and localhost. */
  allowedHosts?: readonly string[];
}

export interface StreamServer {
  readonly port: number;
  readonly host: string;
  /** Base URL, e.g. http://127.0.0.1:8888 */
  readonly url: string;
  close(): Promise<void>;
}

/** Host header check: IP literals and localhost pass (with our port or none), names do not. */
export function hostAllowed(hostHeader: string | undefined, port: number, extra: readonly string[] = []): boolean {
  if (hostHeader === undefined) return true; // HTTP/1.0 clients; browsers always send Host.
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:]+)(?::(\d+))?$/.exec(hostHeader.trim());
  if (!m) return false;
  const name = m[1].toLowerCase();
  if (m[2] !== undefined && Number(m[2]) !== port) return false;
  if (name.startsWith('[')) return true;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return true;
  return name === 'localhost' || extra.some((h) => h.toLowerCase() === name);
}

async function send(res: ServerResponse, out: HttpResponse): Promise<void> {
  res.writeHead(out.status, out.headers);
  const body = out.body;
  if (body === undefined) {
    res.end();
    return;
  }
  if (!(body instanceof ReadableStream)) {
    res.end(body);
    return;
  }
  const reader = body.getReader();
  const gone = () => void reader.cancel().catch(() => {});
  res.once('close', gone);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) {
        await new Promise<void>((resolve) => {
          const go = () => {
            res.off('drain', go);
            res.off('close', go);
            resolve();
          };
          res.on('drain', go);
          res.on('close', go);
        });
      }
      if (res.destroyed) break;
    }
    res.end();
  } catch {
    res.destroy();
  } finally {
    res.off('close', gone);
    if (res.destroyed) gone();
  }
}

export function startStreamServer(options: StreamServerOptions): Promise<StreamServer> {
  const host = options.host ?? '127.0.0.1';
  let port = options.port ?? 8888;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (!hostAllowed(req.headers.host, port, options.allowedHosts)) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('host not allowed\n');
      return;
    }
    let out: HttpResponse;
    try {
      out = options.handler({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers as Record<string, string | undefined> });
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`${(err as Error).message}\n`);
      return;
    }
    void send(res, out);
  });
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new TorrentkitError(err.code === 'EADDRINUSE' ? 'BT_ERR_PORT_IN_USE' : 'BT_ERR_HTTP_LISTEN', `cannot listen on ${host}:${port}: ${err.message}`, { cause: err })),
    );
    server.listen(port, host, () => {
      port = (server.address() as AddressInfo).port;
      const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
      resolve({
        port,
        host,
        url: `http://${shown}:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
