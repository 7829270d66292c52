// One-shot job (the `migrate` service in docker-compose.yml): applies the
// committed migrations in db/migrations and seeds the licensing rules from
// db/rules.json, then exits.
//
// Why a separate job: worker.ts and server.ts each migrate at start-up too,
// which is right for one process, but in compose they start at the same moment
// and drizzle's migrator takes no lock. On an empty database two of them would
// both try to create the tables and one would crash. Running it once first
// makes theirs a no-op (nothing left to apply, the rules upsert is idempotent).
//
// Plain JavaScript run through tsx's loader (node --import tsx), so it reuses
// the application's own config and db code without being a TypeScript file.
import { loadConfig } from '../config.ts';
import { openMigratedDb } from '../db/client.ts';

const config = loadConfig();
if (!config.databaseUrl) {
  // Without DATABASE_URL the app uses an embedded PGlite per process: there is
  // nothing shared to migrate, and doing it here would only create a stray
  // directory inside the container.
  console.error('migrate: DATABASE_URL is not set; nothing to do');
  process.exit(1);
}
// As DATABASE_OWNER_URL when set, granting the runtime role (DATABASE_URL's user) what the API and worker need.
const handle = await openMigratedDb(config);
await handle.close();
console.log(`migrate: schema up to date, licensing rules seeded${config.databaseOwnerUrl ? `, rights granted to ${new URL(config.databaseUrl).username}` : ''}`);
