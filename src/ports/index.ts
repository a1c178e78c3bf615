export type { Cancel, Clock } from './clock.js';
export type { PeerStore, StoredPeer } from './peer-store.js';
export type { DatagramAddress, DatagramFactory, DatagramSocket } from './datagram.js';
export { type Rng, shuffle } from './rng.js';
export type { StreamConnection, StreamListener, StreamTransport } from './transport.js';
