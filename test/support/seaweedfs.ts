// A real S3-compatible object store for a test file: SeaweedFS's `weed mini`
// (master, volume, filer and S3 gateway in one process) on free ports, in a
// temporary folder, with one static identity. docs/operations.md says why each
// flag is there.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { s3Client } from '../../integrations/files/s3';
import { freePort } from '../../scripts/ports';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** It is ready in about 5 s on an idle machine; a loaded one running other suites needs more. */
const READY_TIMEOUT_MS = 60_000;
const READY_POLL_MS = 200;
/** SIGTERM stops it in about 3 s; past this it is stuck, and SIGKILL is the only way left. */
const STOP_GRACE_MS = 10_000;
/** Where readiness is proven: a bucket the tests leave alone. */
const PROBE_BUCKET = 'readiness-probe';
/** The region the identity signs for; SeaweedFS accepts any, the SDK needs one. */
export const SEAWEED_REGION = 'us-east-1';

export interface SeaweedFs {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** How long from spawn to the first PutObject that succeeded. */
  startupMs: number;
  stop(): Promise<void>;
}

/**
 * The weed binary: $WEED_BIN (scripts/test.sh sets it), else whatever
 * scripts/install-seaweedfs.sh prints, building it when there is none. Never
 * undefined: a machine without it fails the tests that need it, loudly, rather
 * than skipping them.
 */
export function weedBinary(): string {
  if (process.env.WEED_BIN) return process.env.WEED_BIN;
  return execFileSync('bash', [path.join(ROOT, 'scripts/install-seaweedfs.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

export async function startSeaweedFs(): Promise<SeaweedFs> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tarkhees-seaweedfs-'));
  const accessKeyId = `test${randomBytes(8).toString('hex')}`;
  const secretAccessKey = randomBytes(24).toString('hex');
  const s3Config = path.join(dir, 's3.json');
  await writeFile(
    s3Config,
    JSON.stringify({ identities: [{ name: 'tarkhees-test', credentials: [{ accessKey: accessKeyId, secretKey: secretAccessKey }], actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'] }] }),
  );
  const data = path.join(dir, 'data');

  // Every service opens a port and a gRPC twin; left to their defaults two test runs at once would collide.
  const names = ['master.port', 'master.port.grpc', 'volume.port', 'volume.port.grpc', 'filer.port', 'filer.port.grpc', 's3.port', 's3.port.grpc', 'admin.port', 'admin.port.grpc'] as const;
  const ports = new Map<string, number>();
  for (const name of names) {
    let port = await freePort();
    // The OS may hand the same port out twice in a row once it was released.
    while ([...ports.values()].includes(port)) port = await freePort();
    ports.set(name, port);
  }
  const args = [
    'mini',
    `-dir=${data}`,
    '-ip=127.0.0.1',
    '-ip.bind=127.0.0.1',
    ...[...ports].map(([name, port]) => `-${name}=${port}`),
    '-admin.port.legacy=0',
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
    '-webdav=false',
    '-admin.ui=false',
    `-s3.config=${s3Config}`,
    // As in docker-compose.yml: a PutObject into a bucket that is not there fails, as on AWS.
    '-s3.autoCreateBucket=false',
  ];
  const started = Date.now();
  const child = spawn(weedBinary(), args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (b: Buffer) => {
    output = (output + b.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  spawnError.catch(() => {});

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(killer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const endpoint = `http://127.0.0.1:${ports.get('s3.port')}`;
  const client = s3Client({ endpoint, region: SEAWEED_REGION, forcePathStyle: true, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });
  const deadline = started + READY_TIMEOUT_MS;
  try {
    // /healthz answers before writes work: ready is a PutObject that succeeded.
    for (let bucketMade = false; ; ) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`weed mini exited (${child.exitCode ?? child.signalCode}):\n${output}`);
      try {
        if (!bucketMade) {
          await Promise.race([client.send(new CreateBucketCommand({ Bucket: PROBE_BUCKET })), spawnError]).catch((err: Error) => {
            // An earlier attempt made it but its answer was lost.
            if (err.name !== 'BucketAlreadyOwnedByYou' && err.name !== 'BucketAlreadyExists') throw err;
          });
          bucketMade = true;
        }
        await Promise.race([client.send(new PutObjectCommand({ Bucket: PROBE_BUCKET, Key: 'probe', Body: 'ready' })), spawnError]);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as { syscall?: string }).syscall?.startsWith('spawn')) throw err;
        if (Date.now() > deadline) throw new Error(`weed mini did not take a PutObject within ${READY_TIMEOUT_MS} ms: ${(err as Error).message}\n${output}`);
        await new Promise((r) => setTimeout(r, READY_POLL_MS));
      }
    }
  } catch (err) {
    await stop();
    throw err;
  } finally {
    client.destroy();
  }
  return { endpoint, region: SEAWEED_REGION, accessKeyId, secretAccessKey, startupMs: Date.now() - started, stop };
}
