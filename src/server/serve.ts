import http from 'node:http';
import path from 'node:path';
import { DvError, InvalidInputError, UsageError } from '../errors/index.js';
import { isOid, type Oid } from '../hash/index.js';
import { BRANCH_PREFIX, TAG_PREFIX } from '../refs/index.js';
import type { Repository } from '../repo/index.js';
import {
  HAVE_BATCH, advertisedRefs, applyRefUpdates, commitHistoryInSlices, decodeFrames, decodeHistoryRequest, decodeIds, encodeHistory, importObjects,
  openRepositoryPath, rawIds, readWireObjects, sendFrames,
  type RefUpdate,
} from '../remote/index.js';
import { blobVerifier, withWriterLease } from '../store/index.js';
import { findToken, loadTokens, patternsAllow, type TokenEntry } from './tokens.js';

export interface ServeOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Repository directories; each is served at /NAME (its base name). */
  repos: string[];
  /** Tokens file; without one every request is allowed (for trusted networks only). */
  tokensFile?: string;
  readOnly?: boolean;
  /** Largest push body accepted, in bytes. */
  maxPushBytes?: number;
  /** A connection that sends and receives nothing for this long is closed (default 300 s). */
  idleTimeoutMs?: number;
  /** Told of every answered request (dv serve prints one line each on stderr). */
  log?: (entry: RequestLogEntry) => void;
}

/** One answered request: who asked what, the answer's status, the bytes each way, how long it took, and why it failed. */
export interface RequestLogEntry {
  time: Date;
  /** The client's address. */
  from: string;
  /** The token's name, `anonymous` without a tokens file, `-` before authentication. */
  who: string;
  method: string;
  path: string;
  /** The answer's status; null when the connection closed before an answer was begun. */
  status: number | null;
  /** The request body's bytes read, and the answer's bytes written. */
  bytesIn: number;
  bytesOut: number;
  ms: number;
  /** The error the client was told (status 400 and up), or that the connection closed first. */
  error?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Largest JSON or id-list body (a full "have?" batch of ids fits). */
const MAX_SMALL_BODY = HAVE_BATCH * 32 + 1024;
const DEFAULT_MAX_PUSH = 64 * 1024 ** 3;
export const DEFAULT_IDLE_TIMEOUT_MS = 300_000;

/** An error answered with an HTTP status. */
class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly hint?: string) { super(message); }
}

/** Who is asking: a token, or anyone when the server has no tokens file. */
type Caller = { name: string; token: TokenEntry | null };

/** What answering a request learned, for its log entry: who asked, the body bytes read, the error. */
interface RequestNotes { who: string; bytesIn: number; error?: string }

/**
 * Serves repositories over HTTP with the transfer protocol of spec/remote-protocol.md:
 * bearer-token authentication (401 without a valid token), read/write permission per
 * repository and branch pattern (403), body size limits (413), `readOnly`, and every ref
 * update recorded in the repository's reflog under the token's name.
 */
export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  if (opts.repos.length === 0) throw new UsageError('name at least one repository to serve');
  const repos = new Map<string, Repository>();
  try {
    for (const dir of opts.repos) {
      const name = path.basename(path.resolve(dir));
      if (repos.has(name)) throw new UsageError(`two repositories are named ${name}; each is served at /NAME, so names must differ`);
      repos.set(name, openRepositoryPath(dir));
    }
  } catch (err) {
    for (const r of repos.values()) await r.close();
    throw err;
  }
  const tokensFile = opts.tokensFile;
  const maxPush = opts.maxPushBytes ?? DEFAULT_MAX_PUSH;

  const authenticate = (req: http.IncomingMessage): Caller => {
    if (!tokensFile) return { name: 'anonymous', token: null };
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new HttpError(401, 'authentication required: this server needs a token', 'set DV_TOKEN to a token made with `dv token create`');
    // Re-read per request: tokens created while the server runs work at once.
    const token = findToken(loadTokens(tokensFile), m[1]!);
    if (!token) throw new HttpError(401, 'the token is not valid for this server', 'check DV_TOKEN');
    return { name: token.name, token };
  };
  const canRead = (c: Caller, repo: string, ref?: string) => !c.token || patternsAllow([...c.token.read, ...c.token.write], repo, ref);
  const canWrite = (c: Caller, repo: string, ref?: string) => !c.token || patternsAllow(c.token.write, repo, ref);

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, notes: RequestNotes): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://x');
    const m = /^\/([^/]+)\/(refs|has|history|objects|receive|update-refs)$/.exec(url.pathname);
    if (!m) {
      // Which repositories there are is not said: a caller may not be allowed to know.
      throw new HttpError(404, `no such endpoint ${url.pathname}`, 'a repository served by dv serve is at http://HOST:PORT/NAME (NAME: its directory\'s name)');
    }
    const name = decodeURIComponent(m[1]!);
    const endpoint = m[2]!;
    const wantMethod = endpoint === 'refs' ? 'GET' : 'POST';
    if (req.method !== wantMethod) throw new HttpError(405, `${endpoint} takes ${wantMethod}`);
    const caller = authenticate(req);
    notes.who = caller.name;
    const repo = repos.get(name);
    if (!repo || !canRead(caller, name)) {
      // Unknown and unreadable look alike to a token that may not read it.
      if (repo && caller.token) throw new HttpError(403, `token '${caller.name}' may not read ${name}`);
      throw new HttpError(404, `no repository named ${name} here`);
    }
    const isWrite = endpoint === 'receive' || endpoint === 'update-refs';
    if (isWrite && opts.readOnly) throw new HttpError(403, 'this server is read-only', 'the server was started with --read-only');
    if (isWrite && !canWrite(caller, name)) throw new HttpError(403, `token '${caller.name}' may not write to ${name}`);

    switch (endpoint) {
      case 'refs': {
        const { refs, head } = advertisedRefs(repo);
        const out: Record<string, string> = {};
        for (const [ref, id] of refs) if (canRead(caller, name, shortRef(ref))) out[ref] = id;
        return sendJson(res, 200, { refs: out, head });
      }
      case 'has': {
        // A writer asking "have?" is negotiating a push: its objects follow, so verify workers
        // (where they serve: about 0.1 s each to start) start now rather than once the stream is under way.
        if (!opts.readOnly && canWrite(caller, name)) blobVerifier(repo.objects.dvDir);
        const ids = rawIds(await readBody(req, notes, MAX_SMALL_BODY));
        const answer = Buffer.alloc(ids.length);
        ids.forEach((id, i) => { answer[i] = repo.objects.hasRaw(id) ? 1 : 0; });
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': answer.length });
        res.end(answer);
        return;
      }
      case 'history': {
        const { tips, stop } = decodeHistoryRequest(await readBody(req, notes, MAX_SMALL_BODY));
        const answer = encodeHistory(await commitHistoryInSlices(repo.objects, tips, stop));
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': answer.length });
        res.end(answer);
        return;
      }
      case 'objects': {
        const ids = decodeIds(await readBody(req, notes, MAX_SMALL_BODY));
        const missing = ids.filter((id) => !repo.objects.has(id));
        if (missing.length > 0) throw new HttpError(404, `the remote does not have object ${missing[0]}${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''}`);
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        if (!(await sendFrames(res, readWireObjects(repo, ids)))) throw new Error('the client closed the connection before every object was sent');
        return;
      }
      case 'receive': {
        const declared = Number(req.headers['content-length'] ?? 0);
        if (declared > maxPush) throw new HttpError(413, `the push is ${declared} bytes; this server accepts at most ${maxPush}`);
        const r = await withWriterLease(repo.env, () => importObjects(repo.objects, decodeFrames(limitBody(req, notes, maxPush))));
        return sendJson(res, 200, r);
      }
      case 'update-refs': {
        const updates = parseUpdates(await readBody(req, notes, 1024 * 1024));
        for (const u of updates) {
          if (!canWrite(caller, name, shortRef(u.name))) throw new HttpError(403, `token '${caller.name}' may not update ${shortRef(u.name)} in ${name}`);
        }
        applyRefUpdates(repo, updates, caller.name);
        return sendJson(res, 200, { ok: true });
      }
    }
  };

  // Requests being answered: closing waits for them, so a push cut off by a shutdown
  // still commits what it verified (its retry does not send that again) before the stores close.
  const inFlight = new Set<Promise<void>>();
  const server = http.createServer((req, res) => {
    const notes: RequestNotes = { who: '-', bytesIn: 0 };
    if (opts.log) logWhenAnswered(req, res, notes, opts.log);
    const answering = handle(req, res, notes).catch((err) => {
      notes.error = err instanceof Error ? err.message : String(err);
      sendError(req, res, err);
    });
    inFlight.add(answering);
    void answering.finally(() => inFlight.delete(answering));
  });
  server.keepAliveTimeout = 30_000;
  // A push of many gigabytes over a slow link takes as long as it takes (Node's default
  // would cut any request off after 5 minutes); a client that goes silent is dropped instead,
  // so a stalled push does not hold its writer lease, which keeps gc out, for ever.
  server.requestTimeout = 0;
  server.setTimeout(opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8080, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port ?? 0;
  const host = opts.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    async close() {
      await new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
      await Promise.allSettled([...inFlight]);
      for (const r of repos.values()) await r.close();
    },
  };
}

function shortRef(ref: string): string {
  if (ref.startsWith(BRANCH_PREFIX)) return ref.slice(BRANCH_PREFIX.length);
  if (ref.startsWith(TAG_PREFIX)) return 'tags/' + ref.slice(TAG_PREFIX.length);
  return ref;
}

function parseUpdates(body: Buffer): RefUpdate[] {
  let v: { updates?: unknown };
  try { v = JSON.parse(body.toString('utf8')); } catch { throw new InvalidInputError('the ref update is not valid JSON'); }
  if (!Array.isArray(v.updates) || v.updates.length === 0) throw new InvalidInputError('the ref update lists no updates');
  const oidOrNull = (x: unknown): Oid | null => {
    if (x === null) return null;
    if (typeof x === 'string' && isOid(x)) return x;
    throw new InvalidInputError('a ref update has a malformed id');
  };
  return v.updates.map((u: { name?: unknown; old?: unknown; new?: unknown }) => {
    if (typeof u?.name !== 'string') throw new InvalidInputError('a ref update has no name');
    return { name: u.name, old: oidOrNull(u.old), new: oidOrNull(u.new) };
  });
}

async function readBody(req: http.IncomingMessage, notes: RequestNotes, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of limitBody(req, notes, limit)) { parts.push(c); n += c.length; }
  return Buffer.concat(parts, n);
}

/** The request body, failing with 413 once it exceeds `limit` bytes (counted in `notes` for the log). */
async function* limitBody(req: http.IncomingMessage, notes: RequestNotes, limit: number): AsyncGenerator<Buffer> {
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    notes.bytesIn = n;
    if (n > limit) throw new HttpError(413, `the request body exceeds this server's limit of ${limit} bytes`);
    yield c as Buffer;
  }
}

/** Calls `log` once the answer to `req` is sent, or its connection closed before that. */
function logWhenAnswered(req: http.IncomingMessage, res: http.ServerResponse, notes: RequestNotes, log: (e: RequestLogEntry) => void): void {
  const started = performance.now();
  const socket = req.socket;
  const written0 = socket.bytesWritten;
  let logged = false;
  const done = () => {
    if (logged) return;
    logged = true;
    log({
      time: new Date(), from: socket.remoteAddress ?? '-', who: notes.who, method: req.method ?? '-', path: (req.url ?? '/').split('?')[0]!,
      status: res.headersSent ? res.statusCode : null, bytesIn: notes.bytesIn, bytesOut: socket.bytesWritten - written0, ms: Math.round(performance.now() - started),
      error: res.writableFinished ? notes.error : notes.error ?? 'the connection closed before the answer was sent',
    });
  };
  res.once('finish', done);
  res.once('close', done);
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': data.length });
  res.end(data);
}

function sendError(req: http.IncomingMessage, res: http.ServerResponse, err: unknown): void {
  let status = 500;
  let body: Record<string, unknown>;
  if (err instanceof HttpError) {
    status = err.status;
    body = { error: err.message, code: status === 401 ? 'EAUTH' : status === 403 ? 'EFORBIDDEN' : status === 413 ? 'ETOOLARGE' : 'EHTTP', hint: err.hint };
  } else if (err instanceof DvError) {
    status = err.code === 'ECONFLICT' ? 409 : err.code === 'ENOTFOUND' ? 404 : err.code === 'EINTERNAL' ? 500 : 400;
    body = { error: err.message, code: err.code, hint: err.hint, data: err.data };
  } else {
    body = { error: `internal error: ${(err as Error)?.message ?? String(err)}`, code: 'EINTERNAL' };
  }
  if (res.headersSent) { res.destroy(); return; }
  const data = Buffer.from(JSON.stringify(body));
  // The body may not have been read: close the connection rather than drain it.
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': data.length, connection: 'close' });
  res.end(data, () => { if (!req.complete) req.destroy(); });
}

