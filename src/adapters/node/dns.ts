import { lookup } from 'node:dns/promises';

/** Resolves a host name to its addresses (A and AAAA), for DHT bootstrap routers. */
export async function resolveHost(host: string): Promise<string[]> {
  const found = await lookup(host, { all: true });
  return found.map((a) => a.address);
}
