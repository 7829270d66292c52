// The import's baseline: a workflow started as a license's is (one start, its
// first task, one local activity), which does nothing and ends. What the
// import costs above starting these is the import's own work.
import { proxyLocalActivities } from '@temporalio/workflow';

type Noop = { noop(n: number): Promise<void> };
const local = proxyLocalActivities<Noop>({ startToCloseTimeout: '15s' });

export async function bareLicense(): Promise<void> {
  await local.noop(1);
}
