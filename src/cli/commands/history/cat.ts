import { repoCommand } from '../../command.js';
import { printResult } from '../../output.js';
import { InvalidInputError } from '../../../errors/index.js';

/** Largest content `--json` embeds (it holds the whole file in memory). */
const JSON_MAX_BYTES = 64 * 1024 * 1024;

export default repoCommand({
  command: 'cat <spec>',
  describe: 'write the content of a committed file to stdout',
  builder: (y) => y
    .positional('spec', { type: 'string', demandOption: true, describe: 'REV:PATH, or the id of file content' })
    .example('$0 cat HEAD:data/raw/weather.csv', 'the committed version of a file')
    .example('$0 cat v1.0:data/features.csv > old.csv', 'restore an old version elsewhere')
    .example('$0 cat main~3:data/a.csv | head', 'peek at an earlier version')
    .option('json', { type: 'boolean', describe: 'print {id, size, encoding, content} (utf8, else base64) as one JSON document' }),
  run: async (repo, argv) => {
    const { openRevContent } = await import('../../../history/index.js');
    const content = openRevContent(repo, argv.spec);
    if (argv.json) {
      if (content.size > JSON_MAX_BYTES) {
        throw new InvalidInputError(`'${argv.spec}' is too large to embed in JSON (${content.size} bytes)`, { hint: 'drop --json to stream the raw content' });
      }
      const bytes = Buffer.concat([...content.chunks]);
      const text = bytes.toString('utf8');
      const utf8 = Buffer.from(text, 'utf8').equals(bytes);
      printResult(argv, { id: content.id, size: content.size, encoding: utf8 ? 'utf8' : 'base64', content: utf8 ? text : bytes.toString('base64') }, () => []);
      return;
    }
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
