import http from 'node:http';
import https from 'node:https';
import { ConflictError, DvError, InvalidInputError, NotFoundError, RemoteError } from '../errors/index.js';
import { isOid, type Oid } from '../hash/index.js';
import { formatBytes, timeoutMs } from '../util/index.js';
import { RETRY_HINT } from './retry-hint.js';
import type { OpenTransportOptions } from './open-transport.js';
import { HAVE_BATCH, type RefUpdate, type Transport, type WireObject } from './transport.js';
import type { CommitHistory } from './commit-history.js';
import { sendFrames } from './send-frames.js';
import { decodeFrames, decodeHistory, encodeHistoryRequest, encodeIds } from './wire-format.js';

/**
 * A repository served by `dv serve` at http(s)://HOST:PORT/NAME, spoken to with the
 * protocol in spec/remote-protocol.md. The token (from DV_TOKEN unless given) goes in
 * `Authorization: Bearer …`.
 */
export class HttpTransport implements Transport {
  private readonly base: URL;
  private readonly token: string | undefined;
  private readonly agent: http.Agent;
  /** How long the server may stay silent (no bytes either way) before the request fails. */
  private readonly idleMs: number;

  constructor(url: string, opts: OpenTransportOptions = {}) {
    this.base = new URL(url.endsWith('/') ? url : url + '/');
    this.token = opts.token ?? process.env.DV_TOKEN;
    this.idleMs = timeoutMs(process.env.DV_HTTP_TIMEOUT, 'DV_HTTP_TIMEOUT', 300);
    this.agent = this.base.protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  }

  async listRefs(): Promise<{ refs: Map<string, Oid>; head: string | null }> {
    const res = await this.request('GET', 'refs');
    const body = JSON.parse((await readAll(res, MAX_REFS_ANSWER, 'its list of refs')).toString('utf8')) as { refs?: Record<string, string>; head?: string | null };
    const refs = new Map<string, Oid>();
    for (const [name, id] of Object.entries(body.refs ?? {})) {
      if (!isOid(id)) throw new RemoteError(`the remote sent a malformed id for ${name}`);
      refs.set(name, id);
    }
    return { refs, head: typeof body.head === 'string' ? body.head : null };
  }

  async hasObjects(ids: Oid[]): Promise<boolean[]> {
    const out: boolean[] = [];
    for (let i = 0; i < ids.length; i += HAVE_BATCH) {
      const part = ids.slice(i, i + HAVE_BATCH);
      const res = await this.request('POST', 'has', encodeIds(part));
      const answer = await readAll(res, part.length, 'its "have?" answer');
      if (answer.length !== part.length) throw new RemoteError(`the remote answered ${answer.length} of ${part.length} "have?" questions`);
      for (const b of answer) out.push(b === 1);
    }
    return out;
  }

  async *getObjects(ids: Oid[]): AsyncIterable<WireObject> {
    for (let i = 0; i < ids.length; i += HAVE_BATCH) {
      const res = await this.request('POST', 'objects', encodeIds(ids.slice(i, i + HAVE_BATCH)));
      yield* decodeFrames(res);
    }
  }

  async history(tips: Oid[], stop: Oid[]): Promise<CommitHistory> {
    const out: CommitHistory = new Map();
    // A request carries at most HAVE_BATCH ids in all; stopping short only costs a longer answer.
    const half = HAVE_BATCH / 2;
    for (let i = 0; i < tips.length; i += half) {
      let res: http.IncomingMessage;
      try {
        res = await this.request('POST', 'history', encodeHistoryRequest(tips.slice(i, i + half), stop.slice(0, half)));
      } catch (err) {
        // A server without the endpoint (the repository itself answered listRefs): the fetch walks generation by generation.
        if (err instanceof DvError && err.data.status === 404) return new Map();
        throw err;
      }
      for (const [id, parents] of decodeHistory(await readAll(res, MAX_HISTORY_ANSWER, 'its history'))) out.set(id, parents);
    }
    return out;
  }

  async putObjects(objects: AsyncIterable<WireObject>): Promise<void> {
    const res = await this.request('POST', 'receive', (req) => sendFrames(req, objects));
    await readAll(res, MAX_SMALL_ANSWER, 'its answer to a push');
  }

  async updateRefs(updates: RefUpdate[], _who?: string): Promise<void> {
    // The server records the token's name as who moved the refs, not what the client claims.
    const res = await this.request('POST', 'update-refs', Buffer.from(JSON.stringify({ updates })), 'application/json');
    await readAll(res, MAX_SMALL_ANSWER, 'its answer to a ref update');
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }

  /**
   * Sends one request, its body a buffer or written by `body` (which ends it); a non-2xx
   * answer becomes the error the server described.
   */
  private request(method: string, endpoint: string, body?: Buffer | ((req: http.ClientRequest) => Promise<unknown>), type = 'application/octet-stream'): Promise<http.IncomingMessage> {
    const url = new URL(endpoint, this.base);
    const mod = url.protocol === 'https:' ? https : http;
    const headers: http.OutgoingHttpHeaders = { 'content-type': type };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (Buffer.isBuffer(body)) headers['content-length'] = body.length;
    return new Promise((resolve, reject) => {
      let answer: http.IncomingMessage | undefined;
      const req = mod.request(url, { method, headers, agent: this.agent }, (res) => {
        answer = res;
        if ((res.statusCode ?? 500) < 300) { resolve(res); return; }
        readAll(res, MAX_SMALL_ANSWER, `its ${res.statusCode} answer`).then((b) => reject(errorFromResponse(url, res.statusCode ?? 500, b)), reject);
      });
      let connected = false;
      req.on('socket', (socket) => {
        if (socket.connecting) socket.once('connect', () => { connected = true; }); else connected = true;
      });
      req.on('error', (err) => {
        if (err instanceof RemoteError) reject(err);
        else if (!connected) reject(new RemoteError(`cannot reach ${this.base.href}: ${err.message}`, { cause: err }));
        else reject(new RemoteError(`the connection to ${this.base.href} broke: ${err.message}`, { cause: err, hint: RETRY_HINT }));
      });
      // The socket's silence counts while the answer's body streams too; whoever reads it learns why it stopped.
      req.setTimeout(this.idleMs, () => {
        const err = new RemoteError(`${this.base.href} sent nothing for ${this.idleMs / 1000} s`, {
          hint: `the server or the network may be down: ${RETRY_HINT}, or raise DV_HTTP_TIMEOUT (seconds)`,
        });
        answer?.destroy(err);
        req.destroy(err);
      });
      if (body === undefined) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else body(req).catch((err: Error) => req.destroy(err));
    });
  }
}

/*
 * The most a well-behaved server sends for each answer read whole: a hostile or broken
 * one streaming without end must not exhaust memory. A history answer is ~70 bytes a
 * commit, so 512 MiB is some 7 million commits.
 */
const MAX_REFS_ANSWER = 64 * 1024 * 1024;
const MAX_HISTORY_ANSWER = 512 * 1024 * 1024;
const MAX_SMALL_ANSWER = 1024 * 1024;

/** An answer's whole body, refused (and the connection dropped) once it passes `limit` bytes. */
async function readAll(res: http.IncomingMessage, limit: number, what: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const c of res) {
      size += (c as Buffer).length;
      if (size > limit) {
        res.destroy();
        throw new RemoteError(`the remote sent more than ${formatBytes(limit)} for ${what}: it is not a dv server, or a broken one`);
      }
      parts.push(c as Buffer);
    }
  } catch (err) {
    if (err instanceof RemoteError) throw err;
    throw new RemoteError(`the connection broke: ${(err as Error).message}`, { cause: err });
  }
  return Buffer.concat(parts);
}

/** Turns the server's JSON error body into the matching DvError. */
function errorFromResponse(url: URL, status: number, body: Buffer): DvError {
  let info: { error?: string; code?: string; hint?: string; data?: Record<string, unknown> } = {};
  try { info = JSON.parse(body.toString('utf8')); } catch { /* not JSON: fall back to the status */ }
  const message = info.error ?? `the server answered ${status} for ${url.pathname}`;
  const opts = { hint: info.hint, data: { status, ...(info.data ?? {}) } };
  if (status === 409 || info.code === 'ECONFLICT') return new ConflictError(message, opts);
  if (status === 404 && info.code === 'ENOTFOUND') return new NotFoundError(message, opts);
  if (status === 400 && info.code === 'EINVALID') return new InvalidInputError(message, opts);
  return new RemoteError(message, opts);
}
