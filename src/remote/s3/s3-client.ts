import { createRequire } from 'node:module';
import type * as S3 from '@aws-sdk/client-s3';
import { RemoteError } from '../../errors/index.js';
import { formatBytes, timeoutMs } from '../../util/index.js';
import { RETRY_HINT } from '../retry-hint.js';
import type { S3Location } from './s3-location.js';

// Loaded on first use: only s3:// remotes pay for the SDK.
const require = createRequire(import.meta.url);
let sdk: typeof S3 | undefined;
function s3sdk(): typeof S3 {
  // The SDK warns on stderr about Node versions it will drop later; dv's stderr is for dv's own messages.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  sdk ??= require('@aws-sdk/client-s3') as typeof S3;
  return sdk;
}

/** Tries per S3 request (the SDK retries throttling, 5xx answers and timeouts). */
const MAX_ATTEMPTS = 4;

/** The most a whole-object read (refs, a pack index) takes in; a range read takes its length. */
const MAX_WHOLE_OBJECT = 1024 * 1024 * 1024;

/** A conditional write that the server refused because its condition did not hold. */
export class PreconditionFailed extends Error {}

/** What a PUT may require of the key's current state. */
export type PutCondition = { ifMatch: string } | { ifNoneMatch: '*' } | undefined;

/**
 * The few S3 operations an s3:// remote uses, with S3's errors turned into dv's: a
 * missing key is `undefined`, a failed condition is PreconditionFailed, anything else a
 * RemoteError naming the bucket and key.
 */
export class S3Bucket {
  private readonly client: S3.S3Client;
  /** How long the server may stay silent before a request fails (and is retried). */
  private readonly idleMs: number;

  constructor(readonly loc: S3Location) {
    const { S3Client } = s3sdk();
    this.idleMs = timeoutMs(process.env.DV_HTTP_TIMEOUT, 'DV_HTTP_TIMEOUT', 300);
    this.client = new S3Client({
      region: loc.region,
      forcePathStyle: loc.pathStyle,
      ...(loc.endpoint ? { endpoint: loc.endpoint } : {}),
      maxAttempts: MAX_ATTEMPTS,
      // Without these the SDK waits for ever on a server that accepted the connection and went quiet
      // (socketTimeout: silence, however long the transfer; its requestTimeout caps the total).
      requestHandler: { connectionTimeout: this.idleMs, socketTimeout: this.idleMs },
    });
  }

  get name(): string { return this.loc.bucket; }

  /** An object's bytes and ETag (optionally a byte range), or undefined when absent. */
  async get(key: string, range?: { start: number; end: number }): Promise<{ body: Buffer; etag: string } | undefined> {
    const { GetObjectCommand } = s3sdk();
    try {
      const r = await this.client.send(new GetObjectCommand({
        Bucket: this.loc.bucket, Key: key, ...(range ? { Range: `bytes=${range.start}-${range.end - 1}` } : {}),
      }));
      const body = await readBody(r.Body as AsyncIterable<Uint8Array> & { destroy?(): void }, range ? range.end - range.start : MAX_WHOLE_OBJECT, `s3://${this.loc.bucket}/${key}`);
      if (range && body.length !== range.end - range.start) {
        throw new RemoteError(`s3://${this.loc.bucket}/${key}: asked for ${range.end - range.start} bytes, got ${body.length}`);
      }
      return { body, etag: r.ETag ?? '' };
    } catch (err) {
      if (!isCode(err, 'NoSuchBucket') && isCode(err, 'NoSuchKey', 404)) return undefined;
      throw this.wrap(err, 'read', key);
    }
  }

  /** Writes an object, optionally only if a condition holds; returns its new ETag. */
  async put(key: string, body: Uint8Array, cond?: PutCondition): Promise<string> {
    const { PutObjectCommand } = s3sdk();
    try {
      const r = await this.client.send(new PutObjectCommand({
        Bucket: this.loc.bucket, Key: key, Body: body, ContentLength: body.length,
        ...(cond && 'ifMatch' in cond ? { IfMatch: cond.ifMatch } : {}),
        ...(cond && 'ifNoneMatch' in cond ? { IfNoneMatch: cond.ifNoneMatch } : {}),
      }));
      return r.ETag ?? '';
    } catch (err) {
      // 412: the condition failed; 409: a concurrent conditional write to the same key won.
      if (cond && (isCode(err, 'PreconditionFailed', 412) || isCode(err, 'ConditionalRequestConflict', 409))) throw new PreconditionFailed(key);
      throw this.wrap(err, 'write', key);
    }
  }

  async delete(key: string): Promise<void> {
    const { DeleteObjectCommand } = s3sdk();
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.loc.bucket, Key: key }));
    } catch (err) {
      throw this.wrap(err, 'delete', key);
    }
  }

  /** Every key under a prefix, in S3's (lexicographic) order. */
  async *list(prefix: string): AsyncGenerator<string> {
    const { ListObjectsV2Command } = s3sdk();
    let token: string | undefined;
    do {
      let r: S3.ListObjectsV2CommandOutput;
      try {
        r = await this.client.send(new ListObjectsV2Command({ Bucket: this.loc.bucket, Prefix: prefix, ContinuationToken: token }));
      } catch (err) {
        throw this.wrap(err, 'list', prefix);
      }
      for (const o of r.Contents ?? []) if (o.Key) yield o.Key;
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
  }

  close(): void {
    this.client.destroy();
  }

  private wrap(err: unknown, what: string, key: string): Error {
    if (err instanceof RemoteError) return err;
    const where = `s3://${this.loc.bucket}/${key}`;
    if (isCode(err, 'NoSuchBucket')) {
      return new RemoteError(`S3 bucket '${this.loc.bucket}' does not exist`, { hint: 'create it first (e.g. `aws s3 mb s3://BUCKET`), or check the endpoint and region', cause: err });
    }
    if (isCode(err, 'AccessDenied', 403) || isCode(err, 'InvalidAccessKeyId') || isCode(err, 'SignatureDoesNotMatch')) {
      return new RemoteError(`S3 refused to ${what} ${where}: ${errText(err)}`, { hint: 'check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) and the bucket\'s policy', cause: err });
    }
    if (err instanceof Error && err.name === 'TimeoutError') {
      return new RemoteError(`${this.loc.endpoint ?? 'S3'} sent nothing for ${this.idleMs / 1000} s (${what} ${where}, ${MAX_ATTEMPTS} attempts)`, {
        hint: `the server or the network may be down: ${RETRY_HINT}, or raise DV_HTTP_TIMEOUT (seconds)`, cause: err,
      });
    }
    if (err instanceof Error && err.name === 'CredentialsProviderError') {
      return new RemoteError(`no AWS credentials found for ${where}`, { hint: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE', cause: err });
    }
    return new RemoteError(`could not ${what} ${where}: ${errText(err)}`, { cause: err });
  }
}

/** A body read whole, refused once it passes `limit` bytes (a broken or hostile server must not exhaust memory). */
async function readBody(body: AsyncIterable<Uint8Array> & { destroy?(): void }, limit: number, where: string): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const c of body) {
    size += c.length;
    if (size > limit) {
      body.destroy?.();
      throw new RemoteError(`${where}: the server sent more than the ${formatBytes(limit)} dv reads for it`);
    }
    parts.push(c);
  }
  return Buffer.concat(parts, size);
}

function isCode(err: unknown, name: string, status?: number): boolean {
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === name || e?.Code === name || (status !== undefined && e?.$metadata?.httpStatusCode === status);
}

function errText(err: unknown): string {
  const e = err as { name?: string; message?: string; code?: string };
  const msg = e?.message && e.message !== 'UnknownError' ? e.message : (e?.name ?? String(err));
  return e?.code === 'ECONNREFUSED' ? 'connection refused' : msg;
}
