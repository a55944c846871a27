import { repoCommand } from '../../command.js';

export default repoCommand({
  command: 'cat <spec>',
  describe: 'write the content of a committed file to stdout',
  builder: (y) => y
    .positional('spec', { type: 'string', demandOption: true, describe: 'REV:PATH, or the id of file content' })
    .example('$0 cat HEAD:data/raw/weather.csv', 'the committed version of a file')
    .example('$0 cat v1.0:data/features.csv > old.csv', 'restore an old version elsewhere')
    .example('$0 cat main~3:data/a.csv | head', 'peek at an earlier version'),
  run: async (repo, argv) => {
    const { openRevContent } = await import('../../../history/index.js');
    const content = openRevContent(repo, argv.spec);
    const out = process.stdout;
    // Write errors arrive as events; a reader that went away (`dv cat … | head`) is not a failure.
    let writeError: NodeJS.ErrnoException | undefined;
    out.on('error', (e: NodeJS.ErrnoException) => { writeError ??= e; });
    for (const chunk of content.chunks) {
      if (writeError) break;
      // Respect backpressure so a large file streams instead of piling up in memory.
      if (!out.write(chunk)) await waitWritable(out);
    }
    if (writeError && writeError.code !== 'EPIPE') throw writeError;
  },
});

function waitWritable(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => { stream.off('drain', done); stream.off('error', done); resolve(); };
    stream.on('drain', done);
    stream.on('error', done);
  });
}
