/**
 * A stream transport (TCP, later WebRTC data channels, and the simulated network). Byte streams
 * with explicit backpressure: `write` returns false when the caller should wait for `drain`.
 */
export interface StreamConnection {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /**
   * Queues bytes; false means the send buffer is over its high-water mark: wait for onDrain.
   * `onWritten`, when given, is called once the transport holds no reference to `data` any more
   * (handed to the system, copied, or dropped with a closed connection), possibly before `write`
   * returns: only then may the caller reuse the memory. A transport may fail to call it when the
   * connection dies; the caller then leaves the memory to the garbage collector.
   */
  write(data: Uint8Array, onWritten?: () => void): boolean;
  /**
   * When true, a chunk given to the data handler is only valid during that call (its memory is
   * reused for the next read): copy whatever is kept.
   */
  readonly volatileData?: boolean;
  onData(handler: (data: Uint8Array) => void): void;
  onDrain(handler: () => void): void;
  /** Called once when the connection is closed for any reason (`err` set on failure). */
  onClose(handler: (err?: Error) => void): void;
  /** Stops or resumes delivering data (receive backpressure). */
  pause(): void;
  resume(): void;
  /** Closes the connection; pending writes are flushed unless `destroy` is set. */
  close(destroy?: boolean): void;
}

export interface StreamListener {
  readonly port: number;
  readonly address: string;
  close(): Promise<void>;
}

export interface StreamTransport {
  connect(options: { host: string; port: number; localAddress?: string; signal?: AbortSignal; timeoutMs?: number }): Promise<StreamConnection>;
  listen(
    options: { port: number; host: string },
    onConnection: (conn: StreamConnection) => void,
  ): Promise<StreamListener>;
}
