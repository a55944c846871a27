import type { Oid } from '../../hash/index.js';
import type { Repository } from '../../repo/index.js';
import { withWriterLease } from '../../store/index.js';
import { importObjects } from '../import-objects.js';
import { OpenBundle } from './open-bundle.js';

export interface VerifyBundleResult {
  file: string;
  refs: Record<string, Oid>;
  head: string | null;
  prerequisites: Oid[];
  objects: number;
  bytes: number;
}

/** Verifies a bundle completely, against `repo` when given (prerequisites, delta bases). */
export async function verifyBundleFile(file: string, repo?: Repository): Promise<VerifyBundleResult> {
  const b = await OpenBundle.open(file, { receiver: repo?.objects });
  b.close();
  return summary(b);
}

/**
 * Imports a bundle's objects into the repository after verifying all of it, and returns
 * its refs (it moves none: `dv fetch FILE` does that).
 */
export async function unbundle(repo: Repository, file: string): Promise<VerifyBundleResult & { stored: number }> {
  const b = await OpenBundle.open(file, { receiver: repo.objects });
  try {
    const ids = [...b.entries.keys()];
    async function* objects() { for (const id of ids) yield b.read(id); }
    const r = await withWriterLease(repo.env, () => importObjects(repo.objects, objects()));
    return { ...summary(b), stored: r.stored };
  } finally {
    b.close();
  }
}

function summary(b: OpenBundle): VerifyBundleResult {
  return { file: b.file, refs: b.header.refs, head: b.header.head, prerequisites: b.header.prerequisites, objects: b.entries.size, bytes: b.bytes };
}
