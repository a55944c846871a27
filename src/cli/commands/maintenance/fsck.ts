import { formatBytes } from '../../../util/index.js';
import { repoCommand, withJson } from '../../command.js';
import { note, printResult } from '../../output.js';
import { startProgress, type Progress } from '../../progress.js';

export default repoCommand({
  command: 'fsck',
  describe: "verify every object's hash and connectivity",
  builder: (y) => withJson(y)
    .example('$0 fsck', 're-hash every object and check nothing reachable is missing')
    .example('$0 fsck --json', 'the same, as one JSON document')
    .epilog('In a partial clone (dv clone --no-checkout), file content no checkout has fetched yet is counted as not fetched, not as missing.'),
  run: async (repo, argv) => {
    const { fsckWithThreads, describeProblems } = await import('../../../maintenance/index.js');
    const { isPartialClone } = await import('../../../remote/index.js');
    let contents: Progress | undefined;
    let progress: Progress | undefined;
    let last = 0;
    const report = await fsckWithThreads(repo, {
      partial: isPartialClone(repo),
      onStart: (total) => { contents = startProgress('checking file contents', total); },
      onBytes: (n) => contents?.tick(n),
      onProgress: (done, total) => {
        contents?.done();
        contents = undefined;
        progress ??= startProgress('checking objects', total, 'items');
        progress.tick(done - last);
        last = done;
      },
    });
    contents?.done();
    progress?.done();
    printResult(argv, report, (r) => [
      `checked ${r.objects} objects (${formatBytes(r.bytes)}): ${r.reachable} reachable, ${r.dangling} dangling`,
      ...r.corrupt.map((c) => `corrupt ${c.id}: ${c.message}`),
      ...r.missing.map((m) => `missing ${m.id} (referenced by ${m.referencedBy.join(', ')})`),
      ...r.badLinks.map((b) => `bad link to ${b.id}: ${b.message}`),
      ...(r.notFetched > 0 ? [`${r.notFetched} file(s) not fetched yet (partial clone: \`dv checkout REV -- PATH\` fetches what a path needs)`] : []),
    ]);
    if (report.ok) return 0;
    note(`dv: ${describeProblems(report)}`);
    return 1;
  },
});
