import { repoCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';
import type { ReplayResult } from '../../../pipeline/index.js';
import { forwardOutput, withInterrupt } from './run-output.js';

export default repoCommand({
  command: 'replay <rev>',
  describe: "re-run a commit's recorded transforms in a scratch directory and check every output reproduces bit for bit",
  builder: (y) => withJson(y)
    .positional('rev', { type: 'string', demandOption: true, describe: 'the commit whose runs to replay' })
    .option('code', { type: 'boolean', default: false, describe: "first check the run's recorded git commit out into the scratch directory" })
    .option('keep', { type: 'boolean', default: false, describe: 'keep the scratch directories' })
    .example('$0 replay HEAD', 'do the recorded runs of HEAD reproduce?')
    .example('$0 replay v1.0 --code', 'replay with the code as it was when the runs were recorded'),
  run: async (repo, argv) => {
    const { replay } = await import('../../../pipeline/index.js');
    const result = await withInterrupt((signal) => replay(repo, { rev: argv.rev, code: argv.code, keep: argv.keep, signal, onOutput: forwardOutput }));
    printResult(argv, result, formatReplay);
    return result.ok ? 0 : 1;
  },
});

function formatReplay(r: ReplayResult): string[] {
  const out: string[] = [];
  for (const run of r.runs) {
    const name = run.partition !== undefined ? `${run.stage}[${run.partition}]` : run.stage;
    out.push(`${name}: ${run.status}${run.reason ? ` (${run.reason})` : ''}  run ${run.run.slice(0, 12)}`);
    if (run.stderrTail) out.push(...run.stderrTail.split('\n').map((l) => `  | ${l}`));
    for (const o of run.outputs) {
      if (o.actual === o.recorded) continue;
      out.push(`  ${o.path}: recorded ${o.recorded.slice(0, 12)}, got ${o.actual ? o.actual.slice(0, 12) : 'nothing'}`);
      for (const f of o.files ?? []) out.push(`    differs: ${f}`);
      for (const d of o.rows ?? []) out.push(`    line ${d.line}: recorded ${JSON.stringify(d.recorded)}`, `    line ${d.line}: replayed ${JSON.stringify(d.actual)}`);
    }
    if (run.scratch) out.push(`  scratch: ${run.scratch}`);
  }
  const n = (s: string) => r.runs.filter((x) => x.status === s).length;
  out.push(`${n('reproduced')} reproduced, ${n('diverged')} diverged, ${n('not-replayable')} not replayable`);
  return out;
}
