// The worker's sizing settings are read once and refused by name when wrong
// (docs/operations.md, "Sizing a worker").
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config';

const env = (extra: Record<string, string>) => ({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x', ...extra });

describe('worker sizing settings', () => {
  it('cache a bounded number of workflows unless told otherwise', () => {
    expect(loadConfig(env({})).worker.maxCachedWorkflows).toBe(100);
    expect(loadConfig(env({ WORKER_MAX_CACHED_WORKFLOWS: '200' })).worker.maxCachedWorkflows).toBe(200);
  });

  it.each(['0', '-5', '2.5', 'many'])('refuse WORKER_MAX_CACHED_WORKFLOWS=%s by name', (v) => {
    expect(() => loadConfig(env({ WORKER_MAX_CACHED_WORKFLOWS: v }))).toThrow(ConfigError);
    expect(() => loadConfig(env({ WORKER_MAX_CACHED_WORKFLOWS: v }))).toThrow(/^WORKER_MAX_CACHED_WORKFLOWS: /);
  });

  it('take a prebuilt bundle only when the file can be read', () => {
    expect(loadConfig(env({})).worker.workflowBundle).toBeUndefined();
    expect(loadConfig(env({ WORKFLOW_BUNDLE: 'package.json' })).worker.workflowBundle).toBe('package.json');
    expect(() => loadConfig(env({ WORKFLOW_BUNDLE: '.data/no-such-bundle.js' }))).toThrow(/^WORKFLOW_BUNDLE: ".data\/no-such-bundle.js" is not a file/);
  });
});
