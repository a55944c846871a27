/**
 * Error family shared by every layer. Each error carries a stable `code`, structured
 * `data`, an optional `hint`, and the exit code the CLI uses. Errors never print.
 */
export type ErrorData = Record<string, unknown>;

export interface DvErrorOptions {
  data?: ErrorData;
  hint?: string;
  cause?: unknown;
}

/** Base class: every error dv raises on purpose is a DvError. */
export class DvError extends Error {
  readonly code: string;
  readonly data: ErrorData;
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(code: string, message: string, exitCode: number, opts: DvErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.data = opts.data ?? {};
    this.hint = opts.hint;
    this.exitCode = exitCode;
  }
}

/** Bad command-line usage (exit 2). */
export class UsageError extends DvError {
  constructor(message: string, opts?: DvErrorOptions) { super('EUSAGE', message, 2, opts); }
}
/** A revision, path, ref or object that does not exist. */
export class NotFoundError extends DvError {
  constructor(message: string, opts?: DvErrorOptions) { super('ENOTFOUND', message, 1, opts); }
}
/** A short id or name that matches more than one thing. */
export class AmbiguousError extends DvError {
  constructor(message: string, opts?: DvErrorOptions) { super('EAMBIGUOUS', message, 1, opts); }
}
/** Input that is malformed or not allowed (bad ref name, path outside the repository…). */
export class InvalidInputError extends DvError {
  constructor(message: string, opts?: DvErrorOptions) { super('EINVALID', message, 1, opts); }
}
/** What to do about a damaged stored object. */
export const CORRUPT_HINT = 'run `dv fsck` to list every damaged object';
/** Stored bytes that do not match their id or do not decode. */
export class CorruptObjectError extends DvError {
  constructor(message: string, opts?: DvErrorOptions) { super('ECORRUPT', message, 1, opts); }
}
/** A refused operation because state changed or work would be lost. */
export class ConflictError extends DvError {
  constructor(message: string, opts?: DvErrorOptions) { super('ECONFLICT', message, 1, opts); }
}
/** A data contract that failed. */
export class ContractError extends DvError {
  constructor(message: string, opts?: DvErrorOptions) { super('ECONTRACT', message, 1, opts); }
}
/** A remote that failed, refused, or lied. */
export class RemoteError extends DvError {
  constructor(message: string, opts?: DvErrorOptions) { super('EREMOTE', message, 1, opts); }
}
/** A broken invariant inside dv itself. */
export class InternalError extends DvError {
  constructor(message: string, opts?: DvErrorOptions) { super('EINTERNAL', message, 1, opts); }
}
