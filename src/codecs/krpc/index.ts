export { bep42NodeId, isBep42Exempt, isBep42Valid } from './bep42.js';
export {
  decodeCompactNodes,
  decodeCompactPeer,
  encodeCompactNodes,
  encodeCompactPeer,
  formatIp,
  ipFamily,
  isUsableAddress,
  parseIp,
  parseIPv4,
  parseIPv6,
} from './compact.js';
export { decodeKrpc } from './decode.js';
export { encodeKrpc } from './encode.js';
export { KrpcCode, KrpcDecodeError, KrpcErrorNumber, KrpcRemoteError } from './errors.js';
export * from './types.js';
