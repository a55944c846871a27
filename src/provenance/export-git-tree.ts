import fs from 'node:fs';
import path from 'node:path';
import { gitLib } from './git-lib.js';
import { NotFoundError } from '../errors/index.js';

/**
 * Writes the files of a git commit into `dest` (an empty scratch directory) by reading
 * the commit's tree and blobs. Unlike a git checkout it leaves the git repository's
 * HEAD, index and working tree alone. Returns the number of files written.
 */
export async function exportGitTree(gitDir: string, commit: string, dest: string): Promise<number> {
  let oid: string;
  try {
    oid = await gitLib().resolveRef({ fs, dir: gitDir, ref: commit });
  } catch {
    oid = commit;
  }
  try {
    await gitLib().readCommit({ fs, dir: gitDir, oid });
  } catch (err) {
    throw new NotFoundError(`code commit ${commit} is not in the git repository at ${gitDir}`, { data: { commit }, cause: err });
  }
  const cache = {};
  let files = 0;
  await gitLib().walk({
    fs, dir: gitDir, cache,
    trees: [gitLib().TREE({ ref: oid })],
    map: async (filepath, [entry]) => {
      if (!entry || filepath === '.') return true;
      const type = await entry.type();
      const abs = path.join(dest, filepath);
      if (type === 'tree') { fs.mkdirSync(abs, { recursive: true }); return true; }
      if (type !== 'blob') return null; // submodules (commits) are not code we can copy
      const mode = await entry.mode();
      const content = await entry.content();
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      if (mode === 0o120000) fs.symlinkSync(Buffer.from(content ?? new Uint8Array()).toString(), abs);
      else fs.writeFileSync(abs, content ?? new Uint8Array(), { mode: mode === 0o100755 ? 0o755 : 0o644 });
      files++;
      return true;
    },
  });
  return files;
}
