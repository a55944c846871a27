import { formatBytes } from '../../../util/index.js';
import { repoCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';

export default repoCommand({
  command: 'gc',
  describe: 'drop unreachable objects safely, and output-cache files no cached run can restore',
  builder: (y) => withJson(y)
    .option('dry-run', { type: 'boolean', default: false, describe: 'report what would be removed, remove nothing' })
    .example('$0 gc', 'remove objects no ref, reflog, index entry or bisect reaches')
    .example('$0 gc --dry-run --json', 'count what gc would remove'),
  run: async (repo, argv) => {
    const { gc } = await import('../../../maintenance/index.js');
    const { pruneOutputCache } = await import('../../../pipeline/index.js');
    const { isPartialClone } = await import('../../../remote/index.js');
    const objects = await gc(repo, { dryRun: argv.dryRun, partial: isPartialClone(repo) });
    // After the object sweep, so what the run cache can restore is judged on what is still stored.
    const result = { ...objects, outputCache: pruneOutputCache(repo, { dryRun: argv.dryRun }) };
    printResult(argv, result, (r) => {
      const c = r.compaction;
      const lines = [`${r.dryRun ? 'would remove' : 'removed'} ${r.removed} unreachable object${r.removed === 1 ? '' : 's'} (${formatBytes(r.bytesRemoved)}); kept ${r.kept}`];
      if (c.packsRemoved > 0) lines.push(`compacted ${c.packsRemoved} pack file${c.packsRemoved === 1 ? '' : 's'}: ${formatBytes(c.bytesFreed)} freed on disk`);
      if (c.packsDeferred > 0) lines.push(`${c.packsDeferred} pack file${c.packsDeferred === 1 ? ' is' : 's are'} still open in another process; the next gc removes them`);
      const o = r.outputCache;
      if (o.removed > 0) lines.push(`${r.dryRun ? 'would remove' : 'removed'} ${o.removed} output-cache file${o.removed === 1 ? '' : 's'} (${formatBytes(o.bytes)})`);
      return lines;
    });
  },
});
