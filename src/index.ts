/**
 * torrentkit's public API. Only what this file exports is public.
 */
export * from './codecs/bencode/index.js';
export { TorrentkitError, isTorrentkitError } from './util/errors.js';
export type { ErrorCode } from './util/errors.js';
export * from './codecs/tracker/index.js';
export type { StoredPeer, SwarmAnnounce, SwarmAnnounceResult, SwarmStore, SwarmTotals } from './ports/swarm-store.js';
export type { HttpGet, HttpGetOptions, HttpGetResponse } from './ports/http-client.js';
export { MemorySwarmStore } from './engines/tracker-server/memory-store.js';
export { TrackerCore, defaultCoreOptions, type TrackerCoreOptions, type AnnounceOutcome, type RequestSource } from './engines/tracker-server/core.js';
export { Announcer, type AnnouncerDeps, type AnnouncerEvents, type AnnouncerOptions, type TransferStats } from './engines/tracker/announcer.js';
export { HttpTrackerClient } from './engines/tracker/http-client.js';
export { UdpTrackerClient } from './engines/tracker/udp-client.js';
export type { AnnounceRequest, TrackerClient } from './engines/tracker/types.js';
export { startTracker, openStore, type RunningTracker, type TrackerServerOptions } from './adapters/node/tracker-server.js';
