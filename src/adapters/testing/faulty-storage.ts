/**
 * A Storage wrapper that injects faults for tests and simulations: a disk that fills up after a
 * number of bytes, reads that come back corrupted, failing I/O.
 */
import type { FileStat, Storage, StorageReadOptions } from '../../ports/storage.js';
import { TorrentkitError } from '../../util/errors.js';

export interface FaultOptions {
  /** Writes fail with BT_ERR_STORAGE_NO_SPACE once this many bytes were written. */
  capacityBytes?: number;
  /** Every read returns data with one flipped byte. */
  corruptReads?: boolean;
  /** Every write fails with BT_ERR_STORAGE_IO. */
  failWrites?: boolean;
}

export class FaultyStorage implements Storage {
  written = 0;

  constructor(
    private readonly inner: Storage,
    public faults: FaultOptions = {},
  ) {}

  async read(offset: number, length: number, options?: StorageReadOptions): Promise<Uint8Array> {
    const data = await this.inner.read(offset, length, options);
    if (this.faults.corruptReads && data.length > 0) data[data.length >> 1] ^= 0xff;
    return data;
  }

  async write(offset: number, data: Uint8Array, options?: { signal?: AbortSignal }): Promise<void> {
    if (this.faults.failWrites) throw new TorrentkitError('BT_ERR_STORAGE_IO', 'injected write failure');
    if (this.faults.capacityBytes !== undefined && this.written + data.length > this.faults.capacityBytes) {
      throw new TorrentkitError('BT_ERR_STORAGE_NO_SPACE', 'no space left on device (injected)');
    }
    await this.inner.write(offset, data, options);
    this.written += data.length;
  }

  setSelection(selected: readonly boolean[]): Promise<void> {
    return this.inner.setSelection(selected);
  }

  stat(): Promise<FileStat[]> {
    return this.inner.stat();
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
