import fs from 'node:fs';

let asideCount = 0;

/**
 * Renames `source` to `target`, replacing the file there. That file is first renamed
 * aside and removed once `source` is in place: renaming straight over a file makes ext4
 * (its auto_da_alloc rule) start writing the new file out at once, and the next fsync on
 * the filesystem (an LMDB commit) then waits for all of it to reach the disk — over 1.5 s
 * for 512 MiB on our machines. For a moment `target` does not exist; should the process
 * die right then, the old file is left beside it under a `.dv-old-` name.
 */
export function replaceFile(source: string, target: string): void {
  let aside: string | undefined;
  const st = fs.lstatSync(target, { throwIfNoEntry: false });
  if (st && !st.isDirectory()) {
    aside = `${target}.dv-old-${process.pid}-${asideCount++}`;
    fs.renameSync(target, aside);
  }
  try {
    fs.renameSync(source, target);
  } catch (err) {
    if (aside) fs.renameSync(aside, target);
    throw err;
  }
  if (aside) fs.rmSync(aside, { force: true });
}
