// Seeds what the built-in issuer's people need: their two offices (imported as
// accredited, each with its accreditation workflow) and an open accreditation
// round, and the demonstration case (scripts/demo.ts). Idempotent. The single-machine start does this by itself; compose runs
// it once as the `seed` service.
import { ApplicationService } from '../api/applications/service';
import { DocumentService } from '../api/documents/service';
import { OfficeService } from '../api/offices/service';
import { fileStoreFor } from '../integrations/files';
import { fileDemoCase } from './demo';
import { connectTemporalClient } from '../integrations/temporal';
import { loadConfig, refuseInProduction } from '../config';
import { openDb } from '../db/client';
import { importOffices, openDevRound } from '../identity/seed';
import { SEED_OFFICES } from '../identity/users';

async function main(): Promise<void> {
  // It imports the built-in issuer's demonstration offices as accredited.
  refuseInProduction('seeding the demonstration offices');
  const config = loadConfig();
  const handle = await openDb(config);
  const { client, connection } = await connectTemporalClient(config);
  try {
    await importOffices(handle.db, new OfficeService(handle.db, client, config), SEED_OFFICES);
    await openDevRound(handle.db);
    const offices = `seeded ${SEED_OFFICES.map((o) => o.id).join(', ')} and an open accreditation round`;
    // The chaos run counts every case it finds as one it filed: it seeds without the demo.
    if (process.env.SEED_DEMO_CASE === 'false') {
      console.log(offices);
      return;
    }
    const documents = new DocumentService(handle.db, fileStoreFor(config.documents.store), config.documents);
    const demo = await fileDemoCase({ documents, applications: new ApplicationService(handle.db, client, config, documents) });
    console.log(`${offices}, and the demo case ${demo}`);
  } finally {
    await connection.close();
    await handle.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
