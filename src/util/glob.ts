/**
 * Path globs as dv.yaml uses them: `*` and `?` stay inside one path segment, `**` spans
 * segments, `{a,b}` is a choice; a pattern without `/` also matches the base name.
 */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') { i++; re += '(?:.*/)?'; } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const close = glob.indexOf('}', i);
      if (close < 0) { re += '\\{'; continue; }
      re += '(?:' + glob.slice(i + 1, close).split(',').map(escapeRegExp).join('|') + ')';
      i = close;
    } else re += escapeRegExp(c);
  }
  return new RegExp(`^${re}$`);
}

/** True when the repository path matches the glob (see globToRegExp). */
export function matchesGlob(path: string, glob: string): boolean {
  if (glob === path) return true;
  const re = globToRegExp(glob);
  if (re.test(path)) return true;
  return !glob.includes('/') && re.test(path.slice(path.lastIndexOf('/') + 1));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
