import { writeFileSync } from 'node:fs';
import { renderApiVersionsModule, sdkApiVersions } from './sdk-api-versions.js';

writeFileSync(new URL('../src/stripe/api-versions.ts', import.meta.url), renderApiVersionsModule(sdkApiVersions()));
