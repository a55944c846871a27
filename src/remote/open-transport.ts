import { UsageError } from '../errors/index.js';
import { PathTransport } from './path-transport.js';
import type { Transport } from './transport.js';

/** Options a transport may use (a bearer token for http). */
export interface OpenTransportOptions {
  token?: string;
}

/** Opens the transport a URL names: a path, `http(s)://…`. */
export async function openTransport(url: string, opts: OpenTransportOptions = {}): Promise<Transport> {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme === 'file') return PathTransport.open(scheme === 'file' ? new URL(url).pathname : url);
  if (scheme === 'http' || scheme === 'https') {
    const { HttpTransport } = await import('./http-transport.js');
    return new HttpTransport(url, opts);
  }
  throw new UsageError(`unsupported remote URL ${url}`, { hint: 'use a path, or http(s)://HOST:PORT/NAME' });
}
