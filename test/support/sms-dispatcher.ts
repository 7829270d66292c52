// An SMS dispatcher in a process of its own, configured from the environment
// and assembled as worker.ts assembles it, for tests that kill it with -9.
// Prints "ready" once it polls.
import { loadConfig } from '../../config';
import { openDb } from '../../db/client';
import { SmsDispatcher } from '../../integrations/sms/dispatcher';
import { smsProviderFor } from '../../system';

const config = loadConfig();
const handle = await openDb(config);
const dispatcher = new SmsDispatcher(handle.db, smsProviderFor(config), config.sms);
dispatcher.start();
console.log('ready');
