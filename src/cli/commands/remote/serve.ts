import { timeoutMs } from '../../../util/index.js';
import { plainCommand } from '../../command.js';
import type { RequestLogEntry } from '../../../server/index.js';

/**
 * The request log's line: `TIME from=ADDR who=NAME METHOD PATH STATUS in=BYTES out=BYTES
 * ms=N`, then `error="…"` when the answer was an error (spec/remote-protocol.md).
 */
function requestLogLine(e: RequestLogEntry): string {
  const error = e.error === undefined ? '' : ` error=${JSON.stringify(e.error)}`;
  return `${e.time.toISOString()} from=${e.from} who=${e.who} ${e.method} ${e.path} ${e.status ?? '-'} in=${e.bytesIn} out=${e.bytesOut} ms=${e.ms}${error}`;
}

export default plainCommand({
  command: 'serve <repos..>',
  describe: 'serve repositories over HTTP, each at http://HOST:PORT/NAME',
  builder: (y) => y
    .positional('repos', { type: 'string', array: true, demandOption: true, describe: 'repository directories (NAME is the base name)' })
    .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on' })
    .option('port', { type: 'number', default: 8080, describe: 'port (0 picks a free one)' })
    .option('tokens', { type: 'string', describe: 'tokens file (`dv token create`); without it anyone may read and write' })
    .option('read-only', { type: 'boolean', default: false, describe: 'refuse every push' })
    .option('max-push-bytes', { type: 'number', describe: 'largest push accepted (bytes, default 64 GiB)' })
    .option('idle-timeout', { type: 'number', describe: 'close a connection silent for this many seconds (default 300; a push takes as long as it needs while bytes flow)' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no request log on stderr' })
    .example('$0 serve /srv/hub --tokens /srv/tokens.json', 'serve /srv/hub at http://127.0.0.1:8080/hub')
    .example('$0 serve --port 0 --read-only a b', 'two repositories, read-only, on a free port'),
  run: async (argv) => {
    const { startServer } = await import('../../../server/index.js');
    const server = await startServer({
      host: argv.host, port: argv.port, repos: (argv.repos as string[]).map(String), tokensFile: argv.tokens,
      readOnly: argv.readOnly as boolean, maxPushBytes: argv.maxPushBytes as number | undefined,
      idleTimeoutMs: timeoutMs(argv.idleTimeout as number | undefined, '--idle-timeout', 300),
      log: argv.quiet ? undefined : (e) => process.stderr.write(requestLogLine(e) + '\n'),
    });
    process.stdout.write(`listening on ${server.url}\n`);
    await new Promise<void>((resolve) => {
      const stop = () => { void server.close().then(resolve); };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  },
});
