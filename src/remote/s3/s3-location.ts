import { UsageError } from '../../errors/index.js';

/** Where an s3:// remote lives and how to reach it. */
export interface S3Location {
  bucket: string;
  /** Key prefix inside the bucket, without leading or trailing '/' ('' for the bucket root). */
  prefix: string;
  /** An S3-compatible endpoint (MinIO, Ceph RGW…); undefined for AWS S3 itself. */
  endpoint?: string;
  region: string;
  /** Path-style requests (http://host/bucket/key), which S3-compatible servers expect. */
  pathStyle: boolean;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Parses `s3://bucket/prefix[?endpoint=URL&region=R&path-style=true|false]`. What the URL
 * does not say comes from the usual AWS environment variables: AWS_ENDPOINT_URL_S3 or
 * AWS_ENDPOINT_URL, AWS_REGION or AWS_DEFAULT_REGION (default us-east-1). Path-style
 * requests are used whenever an endpoint is given, unless the URL says otherwise.
 * Credentials are not part of the URL: the SDK's default chain finds them
 * (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, shared config files…).
 */
export function parseS3Url(url: string, env: NodeJS.ProcessEnv = process.env): S3Location {
  const m = /^s3:\/\/([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/i.exec(url);
  if (!m) throw new UsageError(`not an s3:// URL: ${url}`, { hint: 'use s3://BUCKET/PREFIX' });
  const bucket = m[1]!;
  if (!BUCKET.test(bucket) || bucket.includes('..')) {
    throw new UsageError(`invalid S3 bucket name '${bucket}' in ${url}`, { hint: 'bucket names are 3–63 lowercase letters, digits, dots and hyphens' });
  }
  const prefix = decodeURIComponent(m[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((p) => p === '..' || p === '.') || prefix.includes('//')) {
    throw new UsageError(`invalid S3 prefix '${prefix}' in ${url}`);
  }
  const query = new URLSearchParams(m[3] ?? '');
  for (const key of query.keys()) {
    if (!['endpoint', 'region', 'path-style'].includes(key)) {
      throw new UsageError(`unknown option '${key}' in ${url}`, { hint: 'the options are endpoint, region and path-style' });
    }
  }
  const endpoint = query.get('endpoint') ?? nonEmpty(env.AWS_ENDPOINT_URL_S3) ?? nonEmpty(env.AWS_ENDPOINT_URL);
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/i.test(endpoint)) {
    throw new UsageError(`invalid S3 endpoint '${endpoint}'`, { hint: 'give it as http(s)://HOST[:PORT]' });
  }
  const region = query.get('region') ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? 'us-east-1';
  const ps = query.get('path-style');
  if (ps !== null && ps !== 'true' && ps !== 'false') throw new UsageError(`path-style must be true or false in ${url}`);
  const pathStyle = ps === null ? endpoint !== undefined : ps === 'true';
  return { bucket, prefix, region, pathStyle, ...(endpoint !== undefined ? { endpoint } : {}) };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}
