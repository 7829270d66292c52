// The search attributes are declared once in the contract; the compose stack
// registers them from its own list. This keeps the two from drifting apart.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TEMPORAL_DYNAMIC_CONFIG } from '../scripts/temporal';
import { SEARCH_ATTRIBUTES } from '../workflows/application/contract';

describe('search attributes', () => {
  it('docker-compose.yml registers exactly the contract’s attributes, with their types', () => {
    const compose = readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8');
    const registered = Object.fromEntries([...compose.matchAll(/^\s+(Tarkhees\w+)=(\w+)\s*$/gm)].map((m) => [m[1], m[2]]));
    expect(registered).toEqual(SEARCH_ATTRIBUTES);
  });

  it('compose’s Temporal runs with the dynamic config the dev server and the cluster run with', () => {
    const file = readFileSync(new URL('../docker/temporal-dynamicconfig.yaml', import.meta.url), 'utf8');
    // Each key at the line's start, its one value on the next line (`  - value: X`).
    const values = Object.fromEntries([...file.matchAll(/^([\w.]+):\n\s+- value: (.+)$/gm)].map((m) => [m[1], JSON.parse(m[2]!)]));
    expect(values).toEqual(TEMPORAL_DYNAMIC_CONFIG);
  });
});
