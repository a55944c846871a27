import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { DV, TEST_ENV } from '../helpers.js';

export interface ServeProcess { url: string; port: number; proc: ChildProcess; stop(): Promise<void> }

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
          url, port: Number(new URL(url).port), proc,
          stop: () => new Promise((r) => { if (proc.exitCode !== null || proc.signalCode) r(); else { proc.once('exit', () => r()); proc.kill('SIGTERM'); } }),
        });
      }
    });
    proc.once('exit', (code) => reject(new Error(`dv serve exited ${code}: ${err}`)));
  });
}

/** Runs dv without blocking (for concurrent clients). */
export function dvAsync(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [DV, ...args], { cwd, env: { ...process.env, ...TEST_ENV, ...env } });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d) => { stdout += d; });
  proc.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve) => proc.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
}

/**
 * A TCP proxy in front of a server: forwards client bytes until `limit` have passed, then
 * holds the rest (a stalled upload), and drops the client when the server goes away.
 */
export class StallingProxy {
  private server = net.createServer((client) => this.connect(client));
  forwarded = 0;
  limit = Infinity;
  port = 0;

  constructor(public targetPort: number) {}

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  private connect(client: net.Socket): void {
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    client.on('data', (d: Buffer) => {
      const room = this.limit - this.forwarded;
      if (room <= 0) return;
      const part = d.length <= room ? d : d.subarray(0, room);
      this.forwarded += part.length;
      upstream.write(part);
    });
    upstream.on('data', (d) => client.write(d));
    upstream.on('close', () => client.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.on('error', () => upstream.destroy());
  }

  close(): Promise<void> {
    return new Promise((r) => { this.server.close(() => r()); });
  }
}
