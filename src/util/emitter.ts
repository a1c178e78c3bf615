/**
 * A small typed event emitter that runs in Node and browsers. Each emitter declares an event map
 * (`{ pieceVerified: [index: number]; done: [] }`), so listeners and emits are type-checked.
 * A throwing listener does not stop the others; its error goes to `onListenerError`.
 */
import { TorrentkitError } from './errors.js';

type Listener<A extends unknown[]> = (...args: A) => void;

export class Emitter<E extends { [K in keyof E]: unknown[] }> {
  private readonly listeners = new Map<keyof E, Array<Listener<never[]>>>();
  /** Called when a listener throws; defaults to rethrowing asynchronously (like an uncaught error). */
  onListenerError: (err: unknown) => void = (err) => {
    queueMicrotask(() => {
      throw err;
    });
  };

  on<K extends keyof E>(event: K, fn: Listener<E[K]>): this {
    const list = this.listeners.get(event) ?? [];
    list.push(fn as unknown as Listener<never[]>);
    this.listeners.set(event, list);
    return this;
  }

  once<K extends keyof E>(event: K, fn: Listener<E[K]>): this {
    const wrapper = (...args: E[K]) => {
      this.off(event, wrapper);
      fn(...args);
    };
    return this.on(event, wrapper);
  }

  off<K extends keyof E>(event: K, fn: Listener<E[K]>): this {
    const list = this.listeners.get(event);
    if (!list) return this;
    const i = list.indexOf(fn as unknown as Listener<never[]>);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.listeners.delete(event);
    return this;
  }

  /** Resolves with the event's arguments the next time it fires; rejects when `signal` aborts. */
  next<K extends keyof E>(event: K, options: { signal?: AbortSignal } = {}): Promise<E[K]> {
    return new Promise((resolve, reject) => {
      const { signal } = options;
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        this.off(event, handler);
        reject(signal!.reason);
      };
      const handler = (...args: E[K]) => {
        this.off(event, handler);
        signal?.removeEventListener('abort', onAbort);
        resolve(args);
      };
      this.on(event, handler);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Resolves with `event`'s arguments the next time it fires. Rejects with `fail.error(...)` when
   * `fail.event` fires first, and with BT_ERR_ABORTED (message `abortMessage`) when `signal`
   * aborts. Listeners are removed either way.
   */
  protected waitFor<K extends keyof E, F extends keyof E>(
    event: K,
    options: { fail?: { event: F; error: (...args: E[F]) => Error }; signal?: AbortSignal; abortMessage?: string },
  ): Promise<E[K]> {
    const { fail, signal } = options;
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        this.off(event, onEvent);
        if (fail) this.off(fail.event, onFail);
        signal?.removeEventListener('abort', onAbort);
      };
      const onEvent = (...args: E[K]) => {
        cleanup();
        resolve(args);
      };
      const onFail = (...args: E[F]) => {
        cleanup();
        reject(fail!.error(...args));
      };
      const onAbort = () => {
        cleanup();
        reject(new TorrentkitError('BT_ERR_ABORTED', options.abortMessage ?? 'aborted', { cause: signal?.reason }));
      };
      if (signal?.aborted) {
        reject(new TorrentkitError('BT_ERR_ABORTED', options.abortMessage ?? 'aborted', { cause: signal.reason }));
        return;
      }
      this.on(event, onEvent);
      if (fail) this.on(fail.event, onFail);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  listenerCount(event: keyof E): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  protected emit<K extends keyof E>(event: K, ...args: E[K]): void {
    const list = this.listeners.get(event);
    if (!list) return;
    for (const fn of list.slice()) {
      try {
        (fn as unknown as Listener<E[K]>)(...args);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  removeAllListeners(): void {
    this.listeners.clear();
  }
}
