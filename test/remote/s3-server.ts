import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { DV, TEST_ENV, tmpDir } from '../helpers.js';

/**
 * A real S3-compatible server on loopback for the s3:// tests: Ceph's RADOS Gateway
 * (Debian packages radosgw, ceph-mon, ceph-osd; .ci/run installs them) on a one-monitor,
 * one-OSD cluster that keeps its data in memory, in a temporary directory. RGW honours
 * conditional writes (If-Match / If-None-Match on PUT) atomically, which the
 * concurrent-push tests need. Starting takes about ten seconds.
 */
export interface S3Server {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** Environment that points the AWS SDK (and so dv) at this server. */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

const BINARIES = ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'ceph-authtool', 'monmaptool', 'ceph'];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Starts the cluster and gateway; throws with what to install when Ceph is missing. */
export async function startS3Server(): Promise<S3Server> {
  const missing = BINARIES.filter((b) => spawnSync('sh', ['-c', `command -v ${b}`]).status !== 0);
  if (missing.length > 0) {
    throw new Error(`the S3 tests need Ceph's RADOS Gateway; missing ${missing.join(', ')}: apt-get install --no-install-recommends ceph-mon ceph-osd radosgw ceph-common`);
  }
  const dir = tmpDir('dv-s3-');
  const [monPort, rgwPort] = [await freePort(), await freePort()];
  const fsid = crypto.randomUUID();
  const conf = path.join(dir, 'ceph.conf');
  const keyring = path.join(dir, 'keyring');
  for (const d of ['mon', 'osd/ceph-0', 'run', 'log']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.writeFileSync(conf, `[global]
fsid = ${fsid}
mon host = v1:127.0.0.1:${monPort}
public addr = 127.0.0.1
ms bind msgr2 = false
ms bind ipv6 = false
auth allow insecure global id reclaim = false
keyring = ${keyring}
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
pid file = ${dir}/run/$name.pid
log file = ${dir}/log/$name.log
mon cluster log file = ${dir}/log/cluster.log
mon data = ${dir}/mon/$cluster-$id
osd data = ${dir}/osd/$cluster-$id
mon data avail warn = 1
mon data avail crit = 0
osd objectstore = memstore
memstore device bytes = 2147483648
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
osd crush chooseleaf type = 0
client mount timeout = 30
rados mon op timeout = 30
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw enable gc threads = false
rgw enable lc threads = false
rgw dynamic resharding = false
`);
  const c = ['-c', conf];
  run('ceph-authtool', ['--create-keyring', keyring, '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *']);
  run('ceph-authtool', [keyring, '--gen-key', '-n', 'client.admin', '--cap', 'mon', 'allow *', '--cap', 'osd', 'allow *', '--cap', 'mgr', 'allow *']);
  run('ceph-authtool', [keyring, '--gen-key', '-n', 'osd.0', '--cap', 'mon', 'allow profile osd', '--cap', 'osd', 'allow *', '--cap', 'mgr', 'allow profile osd']);
  run('ceph-authtool', [keyring, '--gen-key', '-n', 'client.rgw', '--cap', 'mon', 'allow rw', '--cap', 'osd', 'allow rwx']);
  run('monmaptool', ['--create', '--addv', 'a', `[v1:127.0.0.1:${monPort}]`, '--fsid', fsid, path.join(dir, 'monmap')]);
  run('ceph-mon', [...c, '--mkfs', '-i', 'a', '--monmap', path.join(dir, 'monmap')]);

  const children: ChildProcess[] = [];
  const daemon = (cmd: string, args: string[]): void => {
    const child = spawn(cmd, [...c, '-f', ...args], { stdio: 'ignore' });
    children.push(child);
  };
  const kill = (): void => { for (const ch of children) if (ch.exitCode === null) ch.kill('SIGKILL'); };
  process.on('exit', kill);
  try {
    daemon('ceph-mon', ['-i', 'a']);
    run('ceph', [...c, 'osd', 'create']);
    run('ceph-osd', [...c, '-i', '0', '--mkfs']);
    daemon('ceph-osd', ['-i', '0']);
    daemon('radosgw', ['-n', 'client.rgw']);
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    const deadline = Date.now() + 90_000;
    for (;;) {
      const ok = await fetch(endpoint).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`radosgw did not answer on ${endpoint}; see ${dir}/log`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const accessKey = `AK${randomBytes(8).toString('hex').toUpperCase()}`;
    const secretKey = randomBytes(20).toString('hex');
    run('radosgw-admin', [...c, 'user', 'create', '--uid', 'dv', '--display-name', 'dv tests', '--access-key', accessKey, '--secret', secretKey]);
    const env: NodeJS.ProcessEnv = {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ACCESS_KEY_ID: accessKey,
      AWS_SECRET_ACCESS_KEY: secretKey,
      AWS_REGION: 'us-east-1',
    };
    return {
      endpoint, accessKey, secretKey, env,
      async stop() {
        kill();
        process.off('exit', kill);
      },
    };
  } catch (err) {
    kill();
    throw err;
  }
}

export { dvAsync } from '../helpers.js';
