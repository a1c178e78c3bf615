/**
 * Typed BEP 10 extension registry of a Wire (the `wire.use()` shape of WebTorrent, typed).
 *
 * An extension declares its `name` (the key in the handshake's `m` dictionary), may add keys to
 * our extension handshake, learns the peer's handshake (and whether the peer offers it), and
 * handles its messages. It sends with `wire.sendExtended(name, payload)`, which uses the id the
 * PEER assigned in its handshake (BEP 10: ids are local to the receiver). Our own ids are given
 * in registration order from 1.
 */
import type { BEncodable } from '../../codecs/bencode/index.js';
import type { DecodedExtensionHandshake } from '../../codecs/wire/index.js';
import { TorrentkitError } from '../../util/errors.js';

export interface WireExtension {
  /** BEP 10 extension name, e.g. "ut_metadata". */
  readonly name: string;
  /** Keys this extension adds to our extension handshake (e.g. `metadata_size` for ut_metadata). */
  handshakeFields?(): Readonly<Record<string, BEncodable | undefined>>;
  /** The peer's extension handshake (also on updates); `supported` is whether it offers this extension. */
  onExtendedHandshake?(handshake: DecodedExtensionHandshake, supported: boolean): void;
  /** A message for this extension. Throwing a TorrentkitError drops the peer as a protocol violation. */
  onMessage(payload: Uint8Array): void;
  /** The wire closed. */
  onClose?(): void;
}

export class ExtensionRegistry {
  private readonly byName = new Map<string, { ext: WireExtension; localId: number }>();
  private readonly byLocalId = new Map<number, WireExtension>();
  private remote: Record<string, number> = {};

  /** Registers an extension under the next local id (at most 255: BEP 10 ids are one byte). */
  add(ext: WireExtension): number {
    if (this.byName.has(ext.name)) throw new TorrentkitError('BT_ERR_WIRE_EXTENSION_EXISTS', `extension ${ext.name} is already registered`);
    const localId = this.byName.size + 1;
    if (localId > 255) throw new TorrentkitError('BT_ERR_WIRE_TOO_MANY_EXTENSIONS', 'at most 255 extensions per wire');
    this.byName.set(ext.name, { ext, localId });
    this.byLocalId.set(localId, ext);
    return localId;
  }

  get size(): number {
    return this.byName.size;
  }

  get<E extends WireExtension = WireExtension>(name: string): E | undefined {
    return this.byName.get(name)?.ext as E | undefined;
  }

  /** Our `m` dictionary: name -> local id. */
  localIds(): Record<string, number> {
    const m: Record<string, number> = {};
    for (const [name, { localId }] of this.byName) m[name] = localId;
    return m;
  }

  /** Keys all extensions add to our handshake. */
  handshakeFields(): Record<string, BEncodable | undefined> {
    const out: Record<string, BEncodable | undefined> = {};
    for (const { ext } of this.byName.values()) Object.assign(out, ext.handshakeFields?.());
    return out;
  }

  byId(localId: number): WireExtension | undefined {
    return this.byLocalId.get(localId);
  }

  /** Applies the peer's handshake: later handshakes update ids (0 disables), per BEP 10. */
  setRemote(handshake: DecodedExtensionHandshake): void {
    const next = { ...this.remote };
    for (const [name, id] of Object.entries(handshake.m)) {
      if (id === 0) delete next[name];
      else next[name] = id;
    }
    this.remote = next;
    for (const { ext } of this.byName.values()) ext.onExtendedHandshake?.(handshake, this.remote[ext.name] !== undefined);
  }

  /** The id the peer wants `name` sent with, or undefined when it does not support it. */
  remoteId(name: string): number | undefined {
    return this.remote[name];
  }

  closeAll(): void {
    for (const { ext } of this.byName.values()) ext.onClose?.();
  }
}
