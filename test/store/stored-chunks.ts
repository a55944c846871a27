import assert from 'node:assert/strict';
import { hashBytes, type Oid } from '../../src/hash/index.js';
import { PACKED, type ObjectStore } from '../../src/store/index.js';

/** The chunks of a stored file (by its content), with the encoding each is stored in. */
export function storedChunks(objects: ObjectStore, content: Buffer): Array<{ id: Oid; encoding: number }> {
  const obj = objects.read(hashBytes(content));
  assert.equal(obj.kind, 'file');
  return (obj.kind === 'file' ? obj.file.chunks : []).map((c) => ({ id: c.id, encoding: objects.getRecord(c.id)![1]! & ~PACKED }));
}
