export { DhtNode, type LookupCallbacks } from './node.js';
export { Lookup, type LookupKind, type LookupResult } from './lookup.js';
export { MemoryPeerStore, PEER_TTL_MS, type MemoryPeerStoreOptions } from './memory-peer-store.js';
export { TOKEN_ROTATION_MS, TokenManager } from './tokens.js';
export { RateLimiter, type RateLimitOptions } from './rate-limit.js';
export * from './types.js';
