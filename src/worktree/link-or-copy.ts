import fs from 'node:fs';

/** Errors of link(2) that mean "this file system will not link here": make a copy instead. */
const CANNOT_LINK = new Set(['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP']);

/**
 * Puts a file at `dest` (which must not exist) with the content of `source`: a hard link
 * when `link` is asked and the file system allows it, else a copy (a reflink where the
 * file system has them, else an in-kernel copy). Says which it made.
 */
export function linkOrCopyFile(source: string, dest: string, opts: { link: boolean }): 'link' | 'copy' {
  if (opts.link) {
    try {
      fs.linkSync(source, dest);
      return 'link';
    } catch (err) {
      if (!CANNOT_LINK.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
    }
  }
  fs.copyFileSync(source, dest, fs.constants.COPYFILE_EXCL | fs.constants.COPYFILE_FICLONE);
  return 'copy';
}

/** The permission bits a file of `kind` gets from a file whose mode is `mode`: execute bits where it can be read for `exec`, none for a plain file. */
export function modeForKind(kind: 'file' | 'exec', mode: number): number {
  const perms = mode & 0o777;
  return kind === 'exec' ? perms | ((perms & 0o444) >> 2) : perms & ~0o111;
}
