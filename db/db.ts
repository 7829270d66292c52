// The database as the code sees it: drizzle over our schema, whichever driver
// (node-postgres or PGlite) the client opened. Its own module so that what the
// client calls (the rules' seeding) can name it without importing the client.
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type * as schema from './schema';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
