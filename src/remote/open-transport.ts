import fs from 'node:fs';
import { UsageError } from '../errors/index.js';
import type { ObjectStore } from '../store/index.js';
import { PathTransport } from './path-transport.js';
import type { Transport } from './transport.js';

/** Options a transport may use (a bearer token for http). */
export interface OpenTransportOptions {
  token?: string;
  /** The store fetched objects go into: a bundle is verified against it (prerequisites, delta bases) before anything is imported. */
  receiver?: ObjectStore;
}

/** Opens the transport a URL names: a path (a repository, or a bundle file), `http(s)://…`, `s3://bucket/prefix`. */
export async function openTransport(url: string, opts: OpenTransportOptions = {}): Promise<Transport> {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme === 'file') {
    const p = scheme === 'file' ? new URL(url).pathname : url;
    if (fs.statSync(p, { throwIfNoEntry: false })?.isFile()) {
      const { BundleTransport } = await import('./bundle/index.js');
      return BundleTransport.open(p, { receiver: opts.receiver });
    }
    return PathTransport.open(p);
  }
  if (scheme === 'http' || scheme === 'https') {
    const { HttpTransport } = await import('./http-transport.js');
    return new HttpTransport(url, opts);
  }
  if (scheme === 's3') {
    const { S3Transport } = await import('./s3/index.js');
    return S3Transport.open(url);
  }
  throw new UsageError(`unsupported remote URL ${url}`, { hint: 'use a path, http(s)://HOST:PORT/NAME or s3://BUCKET/PREFIX' });
}
