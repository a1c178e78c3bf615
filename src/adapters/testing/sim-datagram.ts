/**
 * A simulated UDP network on a VirtualClock, for deterministic DHT and tracker simulations.
 * Every datagram is delivered after a seeded latency (or lost with probability `loss`); a host
 * that leaves (`depart`) silently drops whatever is sent to it, as a vanished peer does.
 */
import type { DatagramAddress, DatagramFactory, DatagramSocket } from '../../ports/datagram.js';
import type { Rng } from '../../ports/rng.js';
import type { VirtualClock } from './virtual-clock.js';

export interface SimNetworkOptions {
  /** One-way latency bounds in ms (uniform). */
  minLatencyMs?: number;
  maxLatencyMs?: number;
  /** Probability that a datagram is lost. */
  loss?: number;
}

type Handler = (data: Uint8Array, from: DatagramAddress) => void;

class SimSocket implements DatagramSocket {
  handler: Handler = () => {};
  closed = false;

  constructor(
    private readonly net: SimNetwork,
    readonly local: DatagramAddress,
  ) {}

  send(data: Uint8Array, port: number, address: string): void {
    if (!this.closed) this.net.route(this.local, data.slice(), port, address);
  }

  onMessage(handler: Handler): void {
    this.handler = handler;
  }

  onError(): void {}

  address(): DatagramAddress {
    return { ...this.local };
  }

  close(): Promise<void> {
    this.closed = true;
    this.net.unbind(this.local);
    return Promise.resolve();
  }
}

export class SimNetwork implements DatagramFactory {
  private readonly sockets = new Map<string, SimSocket>();
  /** Multicast group address -> member sockets (each receives datagrams sent to group:its port). */
  private readonly groups = new Map<string, Set<SimSocket>>();
  private readonly departed = new Set<string>();
  private nextPort = 20_000;
  /** Datagrams sent, delivered and dropped (lost, unbound or departed destination). */
  readonly stats = { sent: 0, delivered: 0, dropped: 0, bytes: 0 };
  private readonly minLatency: number;
  private readonly maxLatency: number;
  private readonly loss: number;

  constructor(
    private readonly clock: VirtualClock,
    private readonly rng: Rng,
    options: SimNetworkOptions = {},
  ) {
    this.minLatency = options.minLatencyMs ?? 10;
    this.maxLatency = options.maxLatencyMs ?? 80;
    this.loss = options.loss ?? 0;
  }

  bind({ port, address }: { port: number; address: string }): Promise<DatagramSocket> {
    const family = address.includes(':') ? 'IPv6' : 'IPv4';
    let p = port;
    if (p === 0) while (this.sockets.has(`${address}|${(p = this.nextPort++)}`));
    const key = `${address}|${p}`;
    if (this.sockets.has(key)) return Promise.reject(Object.assign(new Error(`address in use: ${key}`), { code: 'EADDRINUSE' }));
    const socket = new SimSocket(this, { address, port: p, family });
    this.sockets.set(key, socket);
    return Promise.resolve(socket);
  }

  /** Makes `socket` (from this network) receive datagrams sent to `group` on its port. */
  joinMulticast(socket: DatagramSocket, group: string): void {
    let members = this.groups.get(group);
    if (!members) this.groups.set(group, (members = new Set()));
    members.add(socket as SimSocket);
  }

  /** The host at `address` leaves: datagrams to it are dropped from now on (sockets stay open). */
  depart(address: string): void {
    this.departed.add(address);
  }

  unbind(local: DatagramAddress): void {
    this.sockets.delete(`${local.address}|${local.port}`);
  }

  route(from: DatagramAddress, data: Uint8Array, port: number, address: string): void {
    this.stats.sent++;
    this.stats.bytes += data.length;
    if (this.departed.has(from.address) || (this.loss > 0 && this.rng.random() < this.loss)) {
      this.stats.dropped++;
      return;
    }
    const members = this.groups.get(address);
    if (members) {
      for (const m of members) if (m.local.port === port) this.deliver(from, data, () => (m.closed ? undefined : m), m.local.address);
      return;
    }
    this.deliver(from, data, () => this.sockets.get(`${address}|${port}`), address);
  }

  private deliver(from: DatagramAddress, data: Uint8Array, target: () => SimSocket | undefined, address: string): void {
    const latency = this.minLatency + this.rng.random() * (this.maxLatency - this.minLatency);
    this.clock.setTimeout(() => {
      const to = target();
      if (!to || to.closed || this.departed.has(address)) {
        this.stats.dropped++;
        return;
      }
      this.stats.delivered++;
      to.handler(data, { ...from });
    }, latency);
  }
}
