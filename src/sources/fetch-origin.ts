import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { NotFoundError, RemoteError } from '../errors/index.js';
import { createHasher, type Oid } from '../hash/index.js';

/** HTTP validators remembered from the last fetch, so an unchanged upstream is not downloaded again. */
export interface Validators {
  etag?: string;
  lastModified?: string;
}

/** The outcome of a fetch: unchanged upstream (nothing downloaded, or bytes equal to `known`), or a verified temp file. */
export type FetchResult =
  | { status: 'unchanged'; how: 'not-modified' | 'checksum' }
  | { status: 'fetched'; file: string; id: Oid; size: number; validators: Validators };

export interface FetchOptions {
  /** Directory for the temporary download (same file system as the destination, for the final rename). */
  tmpDir: string;
  validators?: Validators;
  /** Content id of the current version: equal bytes mean unchanged. */
  known?: Oid;
  onBytes?: (n: number) => void;
}

const MAX_REDIRECTS = 5;

/** True for http:// and https:// origins; everything else is a local path. */
export function isUrl(origin: string): boolean {
  return /^https?:\/\//i.test(origin);
}

/**
 * Fetches an origin (http(s) URL or local path) into a temporary file, hashing as it
 * streams. HTTP sends the stored validators (a 304 means unchanged, nothing read); a
 * body shorter than its Content-Length, a reset connection or a non-2xx status is an
 * error and the temporary file is removed. Bytes equal to `known` are reported unchanged.
 */
export async function fetchOrigin(origin: string, opts: FetchOptions): Promise<FetchResult> {
  fs.mkdirSync(opts.tmpDir, { recursive: true });
  const tmp = path.join(opts.tmpDir, `fetch-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
  try {
    const r = isUrl(origin) ? await fetchHttp(origin, tmp, opts, 0) : await copyLocal(origin, tmp, opts);
    if (r.status === 'unchanged' || (opts.known && r.id === opts.known)) {
      fs.rmSync(tmp, { force: true });
      return r.status === 'unchanged' ? r : { status: 'unchanged', how: 'checksum' };
    }
    return r;
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

async function copyLocal(origin: string, tmp: string, opts: FetchOptions): Promise<FetchResult> {
  let st: fs.Stats;
  try {
    st = fs.statSync(origin);
  } catch {
    throw new NotFoundError(`source origin ${origin} does not exist`, { data: { origin }, hint: 'give an existing file or an http(s) URL with --from' });
  }
  if (!st.isFile()) throw new NotFoundError(`source origin ${origin} is not a file`, { data: { origin } });
  const h = createHasher();
  let size = 0;
  await pipeHashed(fs.createReadStream(origin), tmp, h, (n) => { size += n; opts.onBytes?.(n); });
  if (size !== st.size) throw new RemoteError(`${origin} changed while it was read (${size} of ${st.size} bytes)`, { data: { origin }, hint: 'run the command again' });
  return { status: 'fetched', file: tmp, id: h.digest(), size, validators: {} };
}

function fetchHttp(url: string, tmp: string, opts: FetchOptions, redirects: number): Promise<FetchResult> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'user-agent': 'dv', 'accept-encoding': 'identity' };
    if (opts.validators?.etag) headers['if-none-match'] = opts.validators.etag;
    if (opts.validators?.lastModified) headers['if-modified-since'] = opts.validators.lastModified;
    const client = url.toLowerCase().startsWith('https:') ? https : http;
    const req = client.get(url, { headers }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && status !== 304 && res.headers.location) {
        res.resume();
        if (redirects >= MAX_REDIRECTS) { reject(new RemoteError(`${url}: too many redirects`, { data: { url } })); return; }
        fetchHttp(new URL(res.headers.location, url).toString(), tmp, opts, redirects + 1).then(resolve, reject);
        return;
      }
      if (status === 304) { res.resume(); resolve({ status: 'unchanged', how: 'not-modified' }); return; }
      if (status < 200 || status >= 300) {
        res.resume();
        reject(new RemoteError(`download of ${url} failed: HTTP ${status} ${res.statusMessage ?? ''}`.trim(), { data: { url, status }, hint: 'check the URL, or try again later' }));
        return;
      }
      const expected = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : null;
      const h = createHasher();
      let size = 0;
      pipeHashed(res, tmp, h, (n) => { size += n; opts.onBytes?.(n); }).then(() => {
        if (!res.complete || (expected !== null && size !== expected)) {
          throw new RemoteError(`download of ${url} failed after ${size}${expected !== null ? ` of ${expected}` : ''} bytes: the connection closed early`, { data: { url, size, expected }, hint: 'nothing was committed; try again' });
        }
        const validators: Validators = {};
        if (typeof res.headers.etag === 'string') validators.etag = res.headers.etag;
        if (typeof res.headers['last-modified'] === 'string') validators.lastModified = res.headers['last-modified'];
        resolve({ status: 'fetched', file: tmp, id: h.digest(), size, validators });
      }).catch((err: unknown) => {
        reject(err instanceof RemoteError ? err : new RemoteError(`download of ${url} failed after ${size}${expected !== null ? ` of ${expected}` : ''} bytes: ${(err as Error).message}`, { data: { url, size, expected }, hint: 'nothing was committed; try again', cause: err }));
      });
    });
    req.on('error', (err) => reject(new RemoteError(`download of ${url} failed: ${err.message}`, { data: { url }, hint: 'check the URL and the network; nothing was committed', cause: err })));
  });
}

/** Streams into a new file, hashing each piece; resolves when the file is flushed. */
function pipeHashed(input: NodeJS.ReadableStream, file: string, h: ReturnType<typeof createHasher>, onBytes: (n: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = fs.createWriteStream(file, { flags: 'wx' });
    let failed = false;
    const fail = (err: Error) => { if (!failed) { failed = true; out.destroy(); reject(err); } };
    input.on('data', (piece: Buffer) => {
      h.update(piece);
      onBytes(piece.length);
      if (!out.write(piece)) { input.pause(); out.once('drain', () => input.resume()); }
    });
    input.on('error', fail);
    input.on('aborted', () => fail(new Error('the connection was reset')));
    input.on('end', () => { if (!failed) out.end(); });
    // A response closed before its end never emits 'end': treat 'close' without 'end' as a failure.
    input.on('close', () => { if (!failed && !(input as { readableEnded?: boolean }).readableEnded) fail(new Error('the connection closed early')); });
    out.on('error', fail);
    out.on('finish', () => { if (!failed) resolve(); });
  });
}
