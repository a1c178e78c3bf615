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

/**
 * True when `err` is a torrentkit error, optionally with the given code. The test is by shape (an
 * Error whose `code` is a `BT_ERR_*` string), not by class: the CLI's dispatcher and the command it
 * runs are separate bundles with a copy of this class each (see scripts/build.js), and so are two
 * copies of the library in one application.
 */
export function isTorrentkitError(err: unknown, code?: ErrorCode): err is TorrentkitError {
  if (!(err instanceof Error)) return false;
  const c = (err as { code?: unknown }).code;
  return typeof c === 'string' && c.startsWith('BT_ERR_') && (code === undefined || c === code);
}

/** Makes an AbortSignal's abort into a typed error (BT_ERR_ABORTED). */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new TorrentkitError('BT_ERR_ABORTED', 'operation aborted', { cause: signal.reason });
}
