// A transfer commits what it verified in the background about once a second. When the
// disk is slower than that, the next commit waits for the one in flight: verifying goes
// on meanwhile, and the main thread never blocks on a sync of its own.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { hashBytes } from '../../src/hash/index.js';
import { ObjectImporter, type WireObject } from '../../src/remote/index.js';
import { initRepository } from '../../src/repo/index.js';
import { encodePayload } from '../../src/store/index.js';
import { tmpDir } from '../helpers.js';

function blob(bytes: Buffer): WireObject {
  const p = encodePayload('blob', Buffer.from(bytes), true);
  return { id: hashBytes(bytes), kind: 'blob', encoding: p.encoding, payload: p.payload };
}

test('import commits: a background commit still waiting for the disk is not followed by a blocking one', async () => {
  const repo = initRepository(path.join(tmpDir(), 'r'), { bare: true });
  const objects = Array.from({ length: 6 }, () => blob(crypto.randomBytes(50_000)));
  // A disk that syncs only when told to, a clock moved by hand, and a count of blocking syncs.
  const held: Array<() => void> = [];
  const { fdatasync, fdatasyncSync } = fs;
  const now = Date.now;
  let clock = now();
  let blocking = 0;
  fs.fdatasync = ((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => { held.push(() => fdatasync(fd, cb)); }) as typeof fs.fdatasync;
  fs.fdatasyncSync = (fd: number) => { blocking++; fdatasyncSync(fd); };
  Date.now = () => clock;
  try {
    const imp = new ObjectImporter(repo.objects, { verifier: null });
    for (const o of objects) {
      await imp.add(o);
      clock += 1500;
    }
    assert.equal(held.length, 1, 'one background commit started, and the next ones waited for it');
    assert.equal(blocking, 0, 'nothing waited for the disk on the main thread');
    assert.equal(repo.objects.has(objects[0]!.id), false, 'nothing is committed before the disk says so');
    held.shift()!();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(repo.objects.has(objects[0]!.id), true, 'the first commit landed once its sync returned');
    await imp.add(blob(crypto.randomBytes(50_000)));
    assert.equal(held.length, 1, 'the next background commit started once the first was done');
    held.shift()!();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await imp.finish();
  } finally {
    Object.assign(fs, { fdatasync, fdatasyncSync });
    Date.now = now;
  }
  for (const o of objects) assert.equal(repo.objects.has(o.id), true);
  await repo.close();
});
