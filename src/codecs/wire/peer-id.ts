/**
 * Peer ids (BEP 20). Ours is Azureus-style: `-TK0100-` (client "TK", version 0.1.0.0) followed
 * by 12 random bytes. `parsePeerId` turns known prefixes into a client name and version for
 * display only: nothing may trust a peer id (the BEP 10 `v` string is more reliable).
 */
import type { PeerId } from '../../util/units.js';
import { WireError, WireErrorCode } from './errors.js';

export const PEER_ID_PREFIX = '-TK0100-';

/**
 * A fresh peer id: `prefix` (ASCII, at most 20 bytes) then random bytes from `rng` (the Rng port,
 * named structurally here because codecs sit below ports).
 */
export function generatePeerId(rng: { bytes(n: number): Uint8Array }, prefix = PEER_ID_PREFIX): PeerId {
  if (prefix.length > 20 || !/^[\x20-\x7e]*$/.test(prefix)) {
    throw new WireError(WireErrorCode.BadPeerId, `peer id prefix must be at most 20 printable ASCII characters`);
  }
  const out = new Uint8Array(20);
  for (let i = 0; i < prefix.length; i++) out[i] = prefix.charCodeAt(i);
  out.set(rng.bytes(20 - prefix.length), prefix.length);
  return out as PeerId;
}

/** BEP 20 Azureus-style client codes (the two letters after the leading dash). */
const AZUREUS: Readonly<Record<string, string>> = {
  AG: 'Ares', 'A~': 'Ares', AR: 'Arctic', AV: 'Avicora', AX: 'BitPump', AZ: 'Azureus', BB: 'BitBuddy',
  BC: 'BitComet', BF: 'Bitflu', BG: 'BTG', BI: 'BiglyBT', BR: 'BitRocket', BS: 'BTSlave', BT: 'BitTorrent',
  BW: 'BitWombat', BX: 'BitTorrent X', CD: 'Enhanced CTorrent', CT: 'CTorrent', DE: 'Deluge', DP: 'Propagate Data Client',
  EB: 'EBit', ES: 'electric sheep', FD: 'Free Download Manager', FT: 'FoxTorrent', FW: 'FrostWire', FX: 'Freebox BitTorrent',
  GS: 'GSTorrent', HL: 'Halite', HN: 'Hydranode', KG: 'KGet', KT: 'KTorrent', LH: 'LH-ABC', LP: 'Lphant',
  LT: 'libtorrent', lt: 'libTorrent (rakshasa)', LW: 'LimeWire', MO: 'MonoTorrent', MP: 'MooPolice', MR: 'Miro',
  MT: 'MoonlightTorrent', NX: 'Net Transport', PD: 'Pando', PI: 'PicoTorrent', qB: 'qBittorrent', QD: 'QQDownload',
  QT: 'Qt 4 Torrent example', RT: 'Retriever', 'S~': 'Shareaza alpha/beta', SB: 'Swiftbit', SD: 'Thunder', SS: 'SwarmScope',
  ST: 'SymTorrent', st: 'sharktorrent', SZ: 'Shareaza', TK: 'torrentkit', TN: 'TorrentDotNET', TR: 'Transmission',
  TS: 'Torrentstorm', TT: 'TuoTu', UL: 'uLeecher!', UM: 'µTorrent for Mac', UT: 'µTorrent', UW: 'µTorrent Web',
  VG: 'Vagaa', WD: 'WebTorrent Desktop', WT: 'BitLet', WW: 'WebTorrent', WY: 'FireTorrent', XL: 'Xunlei',
  XT: 'XanTorrent', XX: 'Xtorrent', ZT: 'ZipTorrent', ZO: 'Zona',
};

/** BEP 20 Shadow-style client codes (first character). */
const SHADOW: Readonly<Record<string, string>> = {
  A: 'ABC', O: 'Osprey Permaseed', Q: 'BTQueue', R: 'Tribler', S: "Shadow's client", T: 'BitTornado', U: 'UPnP NAT Bit Torrent',
};

const SHADOW_DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-';

export interface PeerClient {
  /** Client name, e.g. "libtorrent". */
  name: string;
  /** Version as displayed, e.g. "2.0.8" (empty when the id carries none). */
  version: string;
}

function ascii(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]);
  return s;
}

/** Azureus-style version digits: each char is a digit (0-9) or a letter counting from 10; trailing zeros beyond x.y.z dropped. */
function azureusVersion(v: string): string {
  const parts = [...v].map((c) => {
    if (c >= '0' && c <= '9') return c.charCodeAt(0) - 48;
    if (c >= 'A' && c <= 'Z') return c.charCodeAt(0) - 55;
    if (c >= 'a' && c <= 'z') return c.charCodeAt(0) - 87;
    return -1;
  });
  if (parts.some((p) => p < 0)) return v;
  while (parts.length > 3 && parts[parts.length - 1] === 0) parts.pop();
  return parts.join('.');
}

/** Recognises the client of a 20-byte peer id from its prefix (BEP 20), or returns undefined. */
export function parsePeerId(id: Uint8Array): PeerClient | undefined {
  if (id.length !== 20) return undefined;
  const head = ascii(id, 0, 8);
  // Azureus style: -XXvvvv-
  if (head[0] === '-' && head[7] === '-') {
    const code = head.slice(1, 3);
    const name = AZUREUS[code];
    if (name) return { name, version: azureusVersion(head.slice(3, 7)) };
  }
  // Mainline: M4-3-6-- or M4-20-8-
  const mainline = /^M(\d+)-(\d+)-(\d+)-/.exec(head);
  if (mainline) return { name: 'BitTorrent', version: `${mainline[1]}.${mainline[2]}.${mainline[3]}` };
  const aria2 = /^A2-(\d+)-(\d+)-(\d+)-/.exec(ascii(id, 0, 20));
  if (aria2) return { name: 'aria2', version: `${aria2[1]}.${aria2[2]}.${aria2[3]}` };
  if (head.startsWith('exbc') || head.startsWith('FUTB')) {
    const lord = ascii(id, 6, 10) === 'LORD';
    return { name: lord ? 'BitLord' : 'BitComet', version: `${id[4]}.${String(id[5]).padStart(2, '0')}` };
  }
  const xbt = /^XBT(\d)(\d)(\d)[d-]/.exec(head);
  if (xbt) return { name: 'XBT Client', version: `${xbt[1]}.${xbt[2]}.${xbt[3]}` };
  const opera = /^OP(\d{4})/.exec(head);
  if (opera) return { name: 'Opera', version: opera[1] };
  const ml = /^-ML([\d.]+)-/.exec(ascii(id, 0, 20));
  if (ml) return { name: 'MLdonkey', version: ml[1] };
  // Shadow style: one letter, up to five version chars padded with '-', then '---'.
  const shadowName = SHADOW[head[0]];
  if (shadowName && ascii(id, 6, 9) === '---') {
    const digits = ascii(id, 1, 6).replace(/-+$/, '');
    if ([...digits].every((c) => SHADOW_DIGITS.includes(c))) {
      return { name: shadowName, version: [...digits].map((c) => SHADOW_DIGITS.indexOf(c)).join('.') };
    }
  }
  return undefined;
}
