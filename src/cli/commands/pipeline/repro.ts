import { repoCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';
import { checkStageContracts, forwardOutput, formatRepro, reportReproFailure, withInterrupt } from './run-output.js';

export default repoCommand({
  command: 'repro [stages..]',
  describe: 'bring pipeline stages up to date in dependency order, skipping or restoring what the run cache answers',
  builder: (y) => withJson(y)
    .positional('stages', { type: 'string', array: true, describe: 'stages to reproduce (with everything upstream); all when none' })
    .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'run commands even when the run cache has the result' })
    .option('verify-delta', { type: 'boolean', default: false, describe: 'for row-wise map stages (also with foreach), also recompute in full and fail if a delta result differs' })
    .example('$0 repro', 'run every stale stage of dv.yaml')
    .example('$0 repro features', 'bring stage features (and what it depends on) up to date')
    .example('$0 repro --verify-delta', 'check incremental row-level results against a full recompute'),
  run: async (repo, argv) => {
    const { repro } = await import('../../../pipeline/index.js');
    const result = await withInterrupt((signal) => repro(repo, {
      stages: (argv.stages as string[] | undefined) ?? [], force: argv.force, verifyDelta: argv.verifyDelta, signal, onOutput: forwardOutput, beforeStage: checkStageContracts,
    }));
    printResult(argv, result, formatRepro);
    return reportReproFailure(result);
  },
});
