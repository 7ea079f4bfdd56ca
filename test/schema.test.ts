import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printSchemaSdl } from '../src/schema/print.js';

describe('schema.graphql', () => {
  it('is exactly what the code builds (regenerate with npm run schema)', () => {
    const committed = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
    expect(committed).toBe(printSchemaSdl());
  });

  it('holds the contract’s names', () => {
    const sdl = printSchemaSdl();
    expect(sdl).toContain('createStripeSetupIntent(input: CreateStripeSetupIntentInput): CreateStripeSetupIntentResult!');
    expect(sdl).toMatch(/union CreateStripeSetupIntentResult = .*StripeSetupIntent/);
    for (const error of ['ValidationError', 'StripeError', 'AuthenticationRequiredError']) {
      expect(sdl).toContain(`type ${error} implements Error`);
    }
  });
});
