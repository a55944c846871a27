import path from 'node:path';
import { PathTransport } from '../../src/remote/index.js';
import { dvOk, tmpDir } from '../helpers.js';
import { transportSuite } from './transport-suite.js';

transportSuite('path', async () => {
  const dir = path.join(tmpDir(), 'remote.dv');
  dvOk(path.dirname(dir), ['init', '--bare', dir]);
  const transport = PathTransport.open(dir);
  return { transport, close: () => transport.close() };
});
