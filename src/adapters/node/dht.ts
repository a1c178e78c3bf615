/**
 * Node.js wiring for the DHT and LSD engines: real UDP sockets, clock, crypto randomness, DNS
 * for bootstrap host names, and (optionally) a JSON file for the routing table.
 *
 *   const dht = createDhtNode({ port: 6881, stateFile: 'dht.json' });
 *   await dht.start();
 */
import { LSD_IPV4_GROUP, LSD_PORT } from '../../codecs/lsd/lsd.js';
import { DhtNode } from '../../engines/dht/node.js';
import type { DhtDeps, DhtOptions } from '../../engines/dht/types.js';
import { LsdService, type LsdOptions } from '../../engines/lsd/lsd-service.js';
import { systemClock } from './clock.js';
import { nodeDatagrams } from './datagram.js';
import { dhtStateFile } from './dht-state-file.js';
import { resolveHost } from './dns.js';
import { bindMulticast } from './multicast.js';
import { cryptoRng } from './rng.js';

export function createDhtNode(options: DhtOptions & { stateFile?: string } = {}, deps: Partial<DhtDeps> = {}): DhtNode {
  const { stateFile, ...rest } = options;
  return new DhtNode(
    {
      datagrams: nodeDatagrams,
      clock: systemClock,
      rng: cryptoRng,
      resolve: resolveHost,
      ...(stateFile ? { storage: dhtStateFile(stateFile) } : {}),
      ...deps,
    },
    rest,
  );
}

/** Joins the BEP 14 group (IPv4) on `interfaceAddress` and returns a started LSD service. */
export async function createLsdService(options: LsdOptions & { interfaceAddress?: string }): Promise<{ lsd: LsdService; close(): Promise<void> }> {
  const socket = await bindMulticast({ group: options.group ?? LSD_IPV4_GROUP, port: options.groupPort ?? LSD_PORT, interfaceAddress: options.interfaceAddress });
  const lsd = new LsdService({ socket, clock: systemClock, rng: cryptoRng }, options);
  lsd.start();
  return {
    lsd,
    close: async () => {
      lsd.close();
      await socket.close();
    },
  };
}
