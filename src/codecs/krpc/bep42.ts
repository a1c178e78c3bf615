/**
 * BEP 42 (DHT security extension): a node id's first 21 bits derive from the CRC-32C of its
 * masked external IP and 3 random bits `r`, which are stored in the id's last byte. Ids from
 * local and private addresses are exempt.
 */
import { crc32c } from '../../util/crc32c.js';
import { parseIp } from './compact.js';

const V4_MASK = [0x03, 0x0f, 0x3f, 0xff];
const V6_MASK = [0x01, 0x03, 0x07, 0x0f, 0x1f, 0x3f, 0x7f, 0xff];

function prefixCrc(ip: Uint8Array, r: number): number {
  const mask = ip.length === 4 ? V4_MASK : V6_MASK;
  const buf = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) buf[i] = ip[i] & mask[i];
  buf[0] |= (r & 7) << 5;
  return crc32c(buf);
}

/** BEP 42: addresses exempt from the check (loopback, private and link-local ranges). */
export function isBep42Exempt(address: string): boolean {
  const ip = parseIp(address);
  if (!ip) return true;
  if (ip.length === 4) {
    const [a, b] = ip;
    return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
  }
  const v6LinkLocal = ip[0] === 0xfe && (ip[1] & 0xc0) === 0x80;
  const v6Unique = (ip[0] & 0xfe) === 0xfc;
  const loop = ip.every((x, i) => (i === 15 ? x === 1 : x === 0));
  return v6LinkLocal || v6Unique || loop;
}

/**
 * Makes a BEP 42 id for `address`: `random` supplies the 17 free bytes (only its first 20 bytes
 * are read; byte 19 becomes `rand`, whose low 3 bits are `r`).
 */
export function bep42NodeId(address: string, random: Uint8Array): Uint8Array {
  const ip = parseIp(address);
  if (!ip) throw new TypeError(`not an IP address: ${address}`);
  const id = random.slice(0, 20);
  const crc = prefixCrc(ip, id[19] & 7);
  id[0] = (crc >>> 24) & 0xff;
  id[1] = (crc >>> 16) & 0xff;
  id[2] = ((crc >>> 8) & 0xf8) | (id[2] & 0x07);
  return id;
}

/** True when `id` is valid for `address` under BEP 42 (exempt addresses always pass). */
export function isBep42Valid(id: Uint8Array, address: string): boolean {
  if (isBep42Exempt(address)) return true;
  const ip = parseIp(address);
  if (!ip || id.length !== 20) return false;
  const crc = prefixCrc(ip, id[19] & 7);
  return id[0] === ((crc >>> 24) & 0xff) && id[1] === ((crc >>> 16) & 0xff) && (id[2] & 0xf8) === ((crc >>> 8) & 0xf8);
}
