// The processes load under plain Node (ESM through tsx), not only under
// vitest: vitest's module interop is kinder, and a named import from a
// CommonJS package once passed every test here and then broke `npm start`.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const MODULES = ['./server.ts', './worker.ts', './api/app.ts', './identity/issuer.ts', './simulator/app.ts', './scripts/temporal.ts'];

describe('entry points', () => {
  it('load under Node as the start command and the containers run them', () => {
    const script = `for (const m of ${JSON.stringify(MODULES)}) await import(m); console.log('loaded');`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], { encoding: 'utf8', timeout: 60_000 });
    expect(out.trim()).toBe('loaded');
  });
});
