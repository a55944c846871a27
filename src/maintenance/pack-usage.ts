import fs from 'node:fs';
import path from 'node:path';
import { listPacks, packFileName, PACKS_DIR, recordLocation, type StoreEnv } from '../store/index.js';

/** Payload bytes an object occupies: its length in a pack, or its inline payload. */
export function payloadSize(record: Uint8Array, id: string): number {
  const loc = recordLocation(record, id);
  return loc ? loc.length : record.length - 2;
}

/** One pack file: its size on disk and the payload bytes live objects still use in it. */
export interface PackUsage { pack: number; size: number; live: number }

/**
 * How full each pack file is, from one pass over the object records (locators are
 * small, so this reads no payload). Packs numbered `below` or higher are left out: a
 * writer may still be filling them.
 */
export function packUsage(env: StoreEnv, dvDir: string, below = Infinity): PackUsage[] {
  const live = new Map<number, number>();
  for (const { key, value } of env.objects.getRange()) {
    const loc = recordLocation(value as Buffer, (key as Buffer).toString('hex'));
    if (loc) live.set(loc.pack, (live.get(loc.pack) ?? 0) + loc.length);
  }
  const out: PackUsage[] = [];
  for (const pack of listPacks(dvDir)) {
    if (pack >= below) continue;
    let size: number;
    try {
      size = fs.statSync(path.join(dvDir, PACKS_DIR, packFileName(pack))).size;
    } catch {
      continue; // Removed meanwhile by another gc.
    }
    out.push({ pack, size, live: live.get(pack) ?? 0 });
  }
  return out;
}
