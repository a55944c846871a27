import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { Readable } from 'node:stream';
import { advertisedRefs, commitHistory, decodeHistoryRequest, decodeIds, encodeFrames, encodeHistory, readWireObjects, type WireObject } from '../../src/remote/index.js';
import type { Repository } from '../../src/repo/index.js';
import type { Oid } from '../../src/hash/index.js';
import { DV, TEST_ENV } from '../helpers.js';

export interface ServeProcess {
  url: string;
  port: number;
  proc: ChildProcess;
  /** What the server printed on stderr so far (its request log). */
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts the real `dv serve` and waits for its "listening on" line. */
export function startServe(args: string[], cwd: string): Promise<ServeProcess> {
  const proc = spawn(process.execPath, [DV, 'serve', ...args], { cwd, env: { ...process.env, ...TEST_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    proc.stderr!.on('data', (d) => { err += d; });
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        const url = m[1]!;
        resolve({
          url, port: Number(new URL(url).port), proc, stderr: () => err,
          stop: () => new Promise((r) => { if (proc.exitCode !== null || proc.signalCode) r(); else { proc.once('exit', () => r()); proc.kill('SIGTERM'); } }),
        });
      }
    });
    proc.once('exit', (code) => reject(new Error(`dv serve exited ${code}: ${err}`)));
  });
}

export { dvAsync } from '../helpers.js';

/**
 * A TCP proxy in front of a server: forwards client bytes until `limit` have passed, then
 * holds the rest (a stalled upload), and drops the client when the server goes away.
 * With `throttle`, client bytes pass at most `bytes` every `ms` (a slow but steady link).
 */
export class StallingProxy {
  private server = net.createServer((client) => this.connect(client));
  forwarded = 0;
  limit = Infinity;
  throttle: { bytes: number; ms: number } | undefined;
  port = 0;

  constructor(public targetPort: number) {}

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  private connect(client: net.Socket): void {
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    const forward = (d: Buffer) => {
      const room = this.limit - this.forwarded;
      if (room <= 0) return;
      const part = d.length <= room ? d : d.subarray(0, room);
      this.forwarded += part.length;
      upstream.write(part);
    };
    // Throttled: each tick renews the budget; what exceeds it waits, the client paused meanwhile.
    let queued: Buffer[] = [];
    let budget = 0;
    const flush = () => {
      while (budget > 0 && queued.length > 0) {
        const head = queued[0]!;
        const part = head.subarray(0, budget);
        forward(part);
        budget -= part.length;
        if (part.length === head.length) queued.shift(); else queued[0] = head.subarray(part.length);
      }
      if (queued.length === 0) client.resume(); else client.pause();
    };
    const timer = this.throttle && setInterval(() => { budget = this.throttle?.bytes ?? Infinity; flush(); }, this.throttle.ms);
    client.on('data', (d: Buffer) => {
      if (!timer) { forward(d); return; }
      queued.push(d);
      flush();
    });
    upstream.on('data', (d) => client.write(d));
    upstream.on('close', () => client.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => { clearInterval(timer); queued = []; upstream.destroy(); });
    client.on('error', () => upstream.destroy());
  }

  close(): Promise<void> {
    return new Promise((r) => { this.server.close(() => r()); });
  }
}

/**
 * A server speaking the protocol for a real repository, but lying the way `lie` says:
 * bytes that do not match their id, or a ref to an object it does not hold; or one that
 * 'stalls': it sends half of the first object asked for, then nothing, holding the connection open;
 * or 'extra-history': it advertises main alone and its history answer names `extraParent`
 * as a parent of main's tip. Only 'extra-history' answers the history endpoint at all (the
 * others are like a server that predates it); 'none' is such a server, honest; 'endless'
 * answers every request with a body that never ends.
 */
export type Lie = 'wrong-bytes' | 'phantom-ref' | 'stalls' | 'extra-history' | 'none' | 'endless';
/** The id a 'phantom-ref' liar points main at: an object it does not hold. */
export const phantom = 'ab'.repeat(32) as Oid;
export async function lyingRemote(src: Repository, lie: Lie, extraParent?: Oid): Promise<{ url: string; requests: () => number; close(): Promise<void> }> {
  let requests = 0;
  const server = http.createServer(async (req, res) => {
    requests++;
    const body: Buffer[] = [];
    for await (const c of req) body.push(c as Buffer);
    const endpoint = req.url!.split('/').pop();
    if (lie === 'endless') {
      const block = Buffer.alloc(1 << 20, 0x20);
      const more = (): void => { while (!res.destroyed && res.write(block)); };
      res.on('drain', more);
      more();
    } else if (endpoint === 'refs') {
      const { refs, head } = advertisedRefs(src);
      let out = Object.fromEntries(refs);
      if (lie === 'phantom-ref') out['refs/heads/main'] = phantom;
      if (lie === 'extra-history') out = { 'refs/heads/main': out['refs/heads/main']! };
      res.end(JSON.stringify({ refs: out, head }));
    } else if (endpoint === 'history' && lie === 'extra-history') {
      const { tips, stop } = decodeHistoryRequest(Buffer.concat(body));
      const history = commitHistory(src.objects, tips, stop);
      const main = src.refs.resolve('refs/heads/main')!;
      if (history.has(main)) history.set(main, [...history.get(main)!, extraParent!]);
      res.end(encodeHistory(history));
    } else if (endpoint === 'has') {
      const ids = decodeIds(Buffer.concat(body));
      res.end(Buffer.from(ids.map(() => 1)));
    } else if (endpoint === 'objects') {
      const ids = decodeIds(Buffer.concat(body)).filter((id) => id !== phantom);
      if (lie === 'stalls') {
        for await (const frame of encodeFrames(readWireObjects(src, ids))) {
          res.write(frame.subarray(0, frame.length >> 1));
          return;
        }
      }
      async function* tampered(): AsyncGenerator<WireObject> {
        for await (const o of readWireObjects(src, ids)) {
          if (lie === 'wrong-bytes' && o.kind === 'blob' && o.payload.length > 1000) {
            const p = Buffer.from(o.payload);
            p[p.length - 10]! ^= 0x55;
            yield { ...o, payload: p };
          } else {
            yield o;
          }
        }
      }
      Readable.from(encodeFrames(tampered())).pipe(res);
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/src`, requests: () => requests, close: () => new Promise((r) => { server.close(() => r()); server.closeAllConnections(); }) };
}
