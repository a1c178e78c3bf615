/** A UDP-like socket (DHT, UDP trackers), implemented by node:dgram and by the simulated network. */
export interface DatagramAddress {
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
}

export interface DatagramSocket {
  /** Sends one datagram. Errors are reported through `onError`, never thrown. */
  send(data: Uint8Array, port: number, address: string): void;
  /** Sets the handler for incoming datagrams (one handler; a later call replaces it). */
  onMessage(handler: (data: Uint8Array, from: DatagramAddress) => void): void;
  onError(handler: (err: Error) => void): void;
  /** Address actually bound (port 0 becomes the chosen port). */
  address(): DatagramAddress;
  close(): Promise<void>;
}

export interface DatagramFactory {
  /** Binds a socket; port 0 picks a free port. */
  bind(options: {
    port: number;
    address: string;
    /** Kernel send and receive buffer size, so bursts wait instead of being dropped (capped by the OS). */
    bufferBytes?: number;
  }): Promise<DatagramSocket>;
}
