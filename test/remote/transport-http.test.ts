import path from 'node:path';
import { HttpTransport } from '../../src/remote/http-transport.js';
import { startServer } from '../../src/server/index.js';
import { dvOk, tmpDir } from '../helpers.js';
import { transportSuite } from './transport-suite.js';

transportSuite('http', async () => {
  const dir = path.join(tmpDir(), 'remote');
  dvOk(path.dirname(dir), ['init', '--bare', dir]);
  const server = await startServer({ port: 0, repos: [dir] });
  const transport = new HttpTransport(`${server.url}/remote`);
  return {
    transport,
    async close() { await transport.close(); await server.close(); },
  };
});
