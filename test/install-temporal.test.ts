// scripts/install-temporal.sh's download path, against a local HTTP server
// laid out like the CLI's GitHub releases (<base>/v<version>/<archive>), with a
// release-shaped archive holding a fake `temporal`. Everything goes to a temp
// folder (TEMPORAL_CLI_INSTALL_DIR); the worktree's .tools/bin is never touched.
// The Go fallback is a fake `go` on PATH that records how it was called and
// "builds" another fake, so no test runs a real build.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const SCRIPT = path.join(ROOT, 'scripts/install-temporal.sh');
const PINNED = /^want="([^"]+)"$/m.exec(readFileSync(SCRIPT, 'utf8'))?.[1] ?? '';
const OS = process.platform === 'darwin' ? 'darwin' : 'linux';
const ARCH = process.arch === 'arm64' ? 'arm64' : 'amd64';
const ASSET = `temporal_cli_${PINNED}_${OS}_${ARCH}.tar.gz`;

const dir = mkdtempSync(path.join(tmpdir(), 'install-temporal-'));
const fakeBin = path.join(dir, 'fake-bin');
const goLog = path.join(dir, 'go-calls.log');
let installDir = '';
let server: Server;
let base = '';
let requests: string[] = [];
/** What the server answers for each path; absent: 404. */
let files = new Map<string, Buffer>();

function sha256(b: Buffer) {
  return createHash('sha256').update(b).digest('hex');
}

function script(file: string, body: string) {
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
}

/** A tar.gz shaped like the release's: `temporal` and LICENSE at the top. */
async function releaseArchive(name: string, versionLine: string): Promise<Buffer> {
  const src = path.join(dir, `archive-${name}`);
  mkdirSync(src, { recursive: true });
  script(path.join(src, 'temporal'), `echo "${versionLine}"`);
  writeFileSync(path.join(src, 'LICENSE'), 'MIT\n');
  const out = path.join(dir, `${name}.tar.gz`);
  await new Promise<void>((resolve, reject) =>
    execFile('tar', ['-czf', out, '-C', src, 'temporal', 'LICENSE'], (e) => (e ? reject(e) : resolve())),
  );
  return readFileSync(out);
}

function pin(lines: string) {
  const file = path.join(dir, 'pins.txt');
  writeFileSync(file, `# test pins\n${lines}`);
  return file;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the installer with only the fake bin and the system's tools on PATH. Async: the server answers from this process. */
function install(env: Record<string, string>): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      'bash',
      [SCRIPT],
      {
        env: {
          PATH: `${fakeBin}:/usr/bin:/bin`,
          HOME: dir,
          TEMPORAL_CLI_INSTALL_DIR: installDir,
          TEMPORAL_CLI_DOWNLOAD_BASE: base,
          ...env,
        },
        timeout: 60_000,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout: stdout.trim(), stderr, ms: Date.now() - started }),
    );
  });
}

function run(binary: string) {
  return new Promise<string>((resolve, reject) => execFile(binary, ['--version'], (e, out) => (e ? reject(e) : resolve(out.trim()))));
}

function goCalls() {
  return existsSync(goLog) ? readFileSync(goLog, 'utf8') : '';
}

let good: Buffer;
let tampered: Buffer;

beforeAll(async () => {
  expect(PINNED).toMatch(/^\d+\.\d+\.\d+$/);
  mkdirSync(fakeBin, { recursive: true });
  // `go install`: writes a fake CLI into $GOBIN whose version comes from the
  // -X in -ldflags, as the real build's does. `go version -m`: knows nothing.
  script(
    path.join(fakeBin, 'go'),
    `echo "$*" >> "${goLog}"
case "$1" in
  install)
    v=$(echo "$*" | sed -nE 's/.*temporalcli\\.Version=([^ "]+).*/\\1/p')
    printf '#!/bin/sh\\necho "temporal version %s (fake go build)"\\n' "\${v:-0.0.0-DEV}" > "$GOBIN/temporal"
    chmod 755 "$GOBIN/temporal" ;;
  *) exit 1 ;;
esac`,
  );
  good = await releaseArchive('good', `temporal version ${PINNED} (downloaded)`);
  tampered = await releaseArchive('tampered', `temporal version ${PINNED} (tampered)`);
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = files.get(req.url ?? '');
    res.writeHead(body ? 200 : 404).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  installDir = mkdtempSync(path.join(dir, 'tools-'));
  requests = [];
  files = new Map([[`/v${PINNED}/checksums.txt`, Buffer.from(`${sha256(good)}  ${ASSET}\n`)]]);
  rmSync(goLog, { force: true });
});

describe('scripts/install-temporal.sh', () => {
  it('installs the pinned release from the download when its SHA-256 is the pinned one, and reuses it after', async () => {
    files.set(`/v${PINNED}/${ASSET}`, good);
    const pins = pin(`${sha256(good)}  ${ASSET}\n`);
    const first = await install({ TEMPORAL_CLI_CHECKSUMS: pins });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe(path.join(installDir, 'temporal'));
    expect(await run(first.stdout)).toBe(`temporal version ${PINNED} (downloaded)`);
    expect(requests).toEqual([`/v${PINNED}/${ASSET}`]);
    expect(first.stderr).toContain('SHA-256 matches the pin');
    expect(goCalls()).toBe('');

    requests = [];
    const again = await install({ TEMPORAL_CLI_CHECKSUMS: pins });
    expect(again.stdout).toBe(first.stdout);
    expect(requests).toEqual([]);
  });

  it('refuses an archive whose SHA-256 is not the pinned one, and builds with the version stamped instead', async () => {
    // The server's own checksums.txt vouches for what it serves: the pin is what counts.
    files.set(`/v${PINNED}/${ASSET}`, tampered);
    files.set(`/v${PINNED}/checksums.txt`, Buffer.from(`${sha256(tampered)}  ${ASSET}\n`));
    const r = await install({ TEMPORAL_CLI_CHECKSUMS: pin(`${sha256(good)}  ${ASSET}\n`) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`REFUSED ${base}/v${PINNED}/${ASSET}: its SHA-256 is ${sha256(tampered)}`);
    expect(r.stderr).toContain('building the Temporal CLI');
    expect(await run(r.stdout)).toBe(`temporal version ${PINNED} (fake go build)`);
    expect(goCalls()).toContain(`install -ldflags -s -w -X github.com/temporalio/cli/temporalcli.Version=${PINNED} github.com/temporalio/cli/cmd/temporal@v${PINNED}`);
  });

  it('does not download an archive that has no pinned SHA-256', async () => {
    files.set(`/v${PINNED}/${ASSET}`, good);
    const r = await install({ TEMPORAL_CLI_CHECKSUMS: pin(`${sha256(good)}  temporal_cli_${PINNED}_plan9_amd64.tar.gz\n`) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`no SHA-256 pinned for ${ASSET}`);
    expect(requests).toEqual([]);
    expect(await run(r.stdout)).toContain('(fake go build)');
  });

  it('falls back to the Go build at once when the download server is down', async () => {
    const down = createServer();
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    const port = (down.address() as AddressInfo).port;
    await new Promise((resolve) => down.close(resolve));
    const r = await install({ TEMPORAL_CLI_DOWNLOAD_BASE: `http://127.0.0.1:${port}`, TEMPORAL_CLI_CHECKSUMS: pin(`${sha256(good)}  ${ASSET}\n`) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`could not download http://127.0.0.1:${port}/v${PINNED}/${ASSET}`);
    expect(await run(r.stdout)).toContain('(fake go build)');
    expect(r.ms).toBeLessThan(10_000);
  });

  it('skips the download when TEMPORAL_CLI_DOWNLOAD=0', async () => {
    files.set(`/v${PINNED}/${ASSET}`, good);
    const r = await install({ TEMPORAL_CLI_DOWNLOAD: '0', TEMPORAL_CLI_CHECKSUMS: pin(`${sha256(good)}  ${ASSET}\n`) });
    expect(r.code, r.stderr).toBe(0);
    expect(requests).toEqual([]);
    expect(await run(r.stdout)).toContain('(fake go build)');
  });

  it('takes a temporal on PATH only when it reports v1.5 or newer, not a 0.0.0-DEV it cannot place', async () => {
    const onPath = path.join(dir, 'path-bin');
    mkdirSync(onPath, { recursive: true });
    const env = { PATH: `${onPath}:${fakeBin}:/usr/bin:/bin`, TEMPORAL_CLI_DOWNLOAD: '0' };

    script(path.join(onPath, 'temporal'), 'echo "temporal version 1.6.0 (Server 1.30.0, UI 2.42.0)"');
    const newer = await install(env);
    expect(newer.stdout).toBe(path.join(onPath, 'temporal'));

    // A plain `go install` of the CLI: its build info is all that says which
    // version it is, and this one's (the fake go's) says nothing.
    script(path.join(onPath, 'temporal'), 'echo "temporal version 0.0.0-DEV (Server 1.29.1, UI 2.41.0)"');
    const dev = await install(env);
    expect(dev.stdout).toBe(path.join(installDir, 'temporal'));
    expect(goCalls()).toContain(`version -m ${path.join(onPath, 'temporal')}`);

    script(path.join(onPath, 'temporal'), 'echo "temporal version 1.4.2 (Server 1.27.0, UI 2.36.0)"');
    rmSync(path.join(installDir, 'temporal'));
    const older = await install(env);
    expect(older.stdout).toBe(path.join(installDir, 'temporal'));
  });
});
