// `npm run bundle-workflows -- <file>`: the workflows bundled once, ahead of
// the worker's start (the image does this at build). A worker given the file
// (WORKFLOW_BUNDLE) starts without webpack: faster, and without the few hundred
// MiB the bundling leaves behind in its heap (docs/operations.md, "Sizing a worker").
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_INTERCEPTOR_MODULES, WORKFLOWS_PATH } from '../system';

/** Every workflow with the tracing interceptors inside: one file serves a worker with tracing on or off. */
export async function bundleWorkflows(file: string): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
  });
  const out = path.resolve(file);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, code);
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: npm run bundle-workflows -- <file>');
    process.exit(2);
  }
  bundleWorkflows(file).then(
    (out) => console.log(`workflows bundled into ${out}`),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
