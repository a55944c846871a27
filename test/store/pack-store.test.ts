import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initRepository } from '../../src/repo/index.js';
import { PackReader, PackWriter } from '../../src/store/index.js';
import { specInput, tmpDir } from '../helpers.js';

test('pack appends of every size, staged or written at once, read back byte for byte after sync', async () => {
  const dir = tmpDir();
  const repo = initRepository(dir);
  const writer = new PackWriter(repo.env, repo.dvDir);
  const data = specInput(3 << 20, 5);
  // Small ones fill the stage, large ones (a quarter of it and more) bypass it, one exceeds it.
  const sizes = [100, 3000, 300 * 1024, 10, 70_000, 2 << 20, 5, 1 << 20, 200 * 1024, 200 * 1024, 200 * 1024, 200 * 1024, 200 * 1024, 64, 256 * 1024 - 1, 256 * 1024];
  let at = 0;
  const written = sizes.map((n) => {
    const bytes = data.subarray(at % (1 << 20), (at % (1 << 20)) + n);
    at += 7919;
    return { bytes, loc: writer.append(bytes) };
  });
  writer.sync();
  const reader = new PackReader(repo.dvDir);
  try {
    let expectOffset = 0;
    for (const { bytes, loc } of written) {
      assert.equal(loc.offset, expectOffset, 'payloads follow each other');
      expectOffset += bytes.length;
      assert.ok(Buffer.from(reader.read(loc, 'x')).equals(Buffer.from(bytes)), `payload of ${bytes.length} bytes at ${loc.offset}`);
    }
    // More after a sync lands after what was synced.
    const later = writer.append(data.subarray(0, 999));
    writer.close();
    assert.equal(later.offset, expectOffset);
    assert.ok(Buffer.from(reader.read(later, 'y')).equals(Buffer.from(data.subarray(0, 999))));
  } finally {
    reader.close();
    await repo.close();
  }
});
