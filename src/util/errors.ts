/**
 * Base error of torrentkit. Every error the library throws on purpose carries a stable `code`
 * (`BT_ERR_*`) that callers and tests match on; the message is for humans and may change.
 */
export type ErrorCode = `BT_ERR_${string}`;

export class TorrentkitError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'TorrentkitError';
  }
}

/** True when `err` is a torrentkit error, optionally with the given code. */
export function isTorrentkitError(err: unknown, code?: ErrorCode): err is TorrentkitError {
  return err instanceof TorrentkitError && (code === undefined || err.code === code);
}

/** Makes an AbortSignal's abort into a typed error (BT_ERR_ABORTED). */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new TorrentkitError('BT_ERR_ABORTED', 'operation aborted', { cause: signal.reason });
}
