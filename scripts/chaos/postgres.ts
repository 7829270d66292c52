// A PostgreSQL server of the chaos run's own: a fresh cluster in the run's
// data folder, on a free port. The run crashes and restarts it; done to the
// machine's shared server at 127.0.0.1:5432, that would break every test
// file running against it at the same moment.
import { execFile, execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** initdb and a start with crash recovery take a few seconds; a loaded machine more. */
const PG_CTL_TIMEOUT_S = 60;

/** The server binaries: PG_BIN, else the newest /usr/lib/postgresql/<version>/bin (Debian's layout). */
function binDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions[0]) throw new Error('chaos: no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql; install postgresql or set PG_BIN');
  return path.join(root, versions[0], 'bin');
}

export class PrivateCluster {
  private readonly bin = binDir();
  /** PostgreSQL refuses to run as root: as root (CI), every command runs as the postgres user, who owns the folder. */
  private readonly asRoot = process.getuid?.() === 0;
  private running = false;

  private constructor(
    readonly dataDir: string,
    readonly port: number,
  ) {}

  /**
   * A new cluster in `dataDir` (whatever was there is removed), started. As
   * root, when the postgres user cannot reach `dataDir` (a checkout under a
   * home folder closed to others), the cluster goes in the temporary folder
   * instead: `dataDir` of the result says where.
   */
  static async create(dataDir: string, port: number): Promise<PrivateCluster> {
    const asRoot = process.getuid?.() === 0;
    const reachable = (dir: string) => {
      try {
        execFileSync('runuser', ['-u', 'postgres', '--', 'test', '-x', dir], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    };
    mkdirSync(path.dirname(path.resolve(dataDir)), { recursive: true });
    const dir = !asRoot || reachable(path.dirname(path.resolve(dataDir))) ? path.resolve(dataDir) : path.join(os.tmpdir(), `tarkhees-chaos-pg-${port}`);
    const cluster = new PrivateCluster(dir, port);
    // A run that died without cleaning up may have left its server running on this folder.
    if (existsSync(path.join(cluster.dataDir, 'postmaster.pid'))) await cluster.ctl(['stop', '-m', 'immediate']).catch(() => undefined);
    rmSync(cluster.dataDir, { recursive: true, force: true });
    mkdirSync(cluster.dataDir, { recursive: true });
    if (cluster.asRoot) execFileSync('chown', ['postgres:postgres', cluster.dataDir]);
    await cluster.exec('initdb', ['-D', cluster.dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
    appendFileSync(
      path.join(cluster.dataDir, 'postgresql.conf'),
      [
        '',
        '# The chaos run\'s own server (scripts/chaos/postgres.ts).',
        `port = ${port}`,
        "listen_addresses = '127.0.0.1'",
        // TCP only: no socket file to collide with another server's in /var/run/postgresql.
        "unix_socket_directories = ''",
        // The run crashes the server process, never the machine: what a commit wrote is in the
        // OS's page cache either way, and crash recovery replays it. fsync would only slow the run.
        'fsync = off',
        'full_page_writes = off',
        // On the cluster Temporal's four services keep their pools here too, beside two workers and two APIs.
        'max_connections = 200',
        '',
      ].join('\n'),
    );
    await cluster.start();
    return cluster;
  }

  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async createDatabase(name: string): Promise<string> {
    const admin = new pg.Client({ connectionString: this.url('postgres') });
    await admin.connect();
    try {
      await admin.query(`create database ${name}`);
    } finally {
      await admin.end();
    }
    return this.url(name);
  }

  async start(): Promise<void> {
    await this.ctl(['start', '-l', path.join(this.dataDir, 'server.log')]);
    this.running = true;
  }

  /** What a crash does: every server process ends at once, nothing is flushed; the next start recovers from the WAL. */
  async crash(): Promise<void> {
    this.running = false;
    await this.ctl(['stop', '-m', 'immediate']);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.ctl(['stop', '-m', 'fast']);
  }

  /** For process exit, where nothing asynchronous runs any more. */
  stopSync(): void {
    if (!this.running) return;
    this.running = false;
    try {
      execFileSync(...this.command('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', 'stop']), { stdio: 'ignore' });
    } catch {
      // already down
    }
  }

  private ctl(args: string[]): Promise<unknown> {
    return this.exec('pg_ctl', ['-D', this.dataDir, '-w', '-t', String(PG_CTL_TIMEOUT_S), ...args]);
  }

  private command(tool: string, args: string[]): [string, string[]] {
    const file = path.join(this.bin, tool);
    return this.asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  }

  private async exec(tool: string, args: string[]): Promise<void> {
    const [file, argv] = this.command(tool, args);
    try {
      // pg_ctl start leaves the server holding our stdout unless it is told where to log: -l above.
      await run(file, argv, { timeout: (PG_CTL_TIMEOUT_S + 10) * 1000 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`chaos: ${tool} ${args[0]} failed: ${e.stderr?.trim() || e.message}`);
    }
  }
}
