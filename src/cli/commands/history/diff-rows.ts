import { diffRowsRevisions } from '../../../diff/index.js';
import type { Repository } from '../../../repo/index.js';
import type { RepoPath } from '../../../util/index.js';
import { JsonStream } from '../../json-stream.js';
import { printResult } from '../../output.js';
import { formatRowsDiff, HUMAN_ROWS } from './row-format.js';

/**
 * `dv diff --rows`: the human form keeps the first rows per file; --json streams every
 * row into one document, so its size does not bound memory.
 */
export function printRowsDiff(repo: Repository, opts: { from?: string; to?: string; paths: RepoPath[]; json?: boolean }): void {
  if (!opts.json) {
    const result = diffRowsRevisions(repo, { from: opts.from, to: opts.to, paths: opts.paths, keep: HUMAN_ROWS });
    printResult({}, result, formatRowsDiff);
    return;
  }
  const out = new JsonStream();
  let files = 0;
  let rows = 0;
  out.raw('{"files":[');
  const result = diffRowsRevisions(repo, {
    from: opts.from, to: opts.to, paths: opts.paths, keep: 0,
    onFile: (path, status) => {
      out.raw(`${files++ > 0 ? ',' : ''}{"path":${JSON.stringify(path)},"status":${JSON.stringify(status)},"rows":[`);
      rows = 0;
    },
    onRow: (_path, change) => {
      out.raw(rows++ > 0 ? ',' : '');
      out.value(change);
    },
    // The file's other fields are known once it is read: they close its object.
    onFileDone: (f) => out.raw('],' + JSON.stringify({ format: f.format, key: f.key, schema: f.schema, summary: f.summary, spilled: f.spilled, truncated: false }).slice(1)),
  });
  out.raw('],' + JSON.stringify({ from: result.from, to: result.to, skipped: result.skipped }).slice(1));
  out.end();
}
