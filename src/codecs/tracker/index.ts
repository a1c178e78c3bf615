export * from './errors.js';
export * from './ip.js';
export * from './limits.js';
export * from './query.js';
export * from './response.js';
export * from './types.js';
export * from './udp.js';
export * from './ws.js';
