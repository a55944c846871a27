import fs from 'node:fs';
import path from 'node:path';
import { InvalidInputError } from '../../errors/index.js';
import type { Oid } from '../../hash/index.js';
import type { ObjectStore } from '../../store/index.js';
import type { RefUpdate, Transport, WireObject } from '../transport.js';
import { OpenBundle } from './open-bundle.js';

/**
 * A bundle file as a read-only remote, for `dv fetch FILE` and `dv clone FILE`. The
 * whole bundle is verified when it is opened (against the receiving store, when there is
 * one), so a hostile bundle is refused before anything is imported.
 */
export class BundleTransport implements Transport {
  private constructor(readonly bundle: OpenBundle) {}

  static async open(file: string, opts: { receiver?: ObjectStore } = {}): Promise<BundleTransport> {
    return new BundleTransport(await OpenBundle.open(file, opts));
  }

  async listRefs(): Promise<{ refs: Map<string, Oid>; head: string | null }> {
    return { refs: new Map(Object.entries(this.bundle.header.refs)), head: this.bundle.header.head };
  }

  async hasObjects(ids: Oid[]): Promise<boolean[]> {
    return ids.map((id) => this.bundle.entries.has(id));
  }

  async *getObjects(ids: Oid[]): AsyncGenerator<WireObject> {
    for (const id of ids) yield this.bundle.read(id);
  }

  async putObjects(): Promise<void> {
    throw this.readOnly();
  }

  async updateRefs(_updates: RefUpdate[]): Promise<void> {
    throw this.readOnly();
  }

  async close(): Promise<void> {
    this.bundle.close();
  }

  private readOnly(): InvalidInputError {
    return new InvalidInputError(`${this.bundle.file} is a bundle, which cannot be pushed to`, { hint: 'write a new bundle with `dv bundle create FILE RANGE`' });
  }
}

/**
 * A bundle file named where a remote name is expected (`dv fetch FILE`): an unnamed
 * remote whose refs land under refs/remotes/<file name without extension>/.
 */
export function bundleRemote(arg: string): { name: string; url: string } | undefined {
  if (!fs.statSync(arg, { throwIfNoEntry: false })?.isFile()) return undefined;
  const base = path.basename(arg).replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  return { name: base === '' ? 'bundle' : base, url: path.resolve(arg) };
}
