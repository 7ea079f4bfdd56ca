import { writeFileSync } from 'node:fs';
import { printSchemaSdl } from '../src/schema/print.js';

writeFileSync(new URL('../schema.graphql', import.meta.url), printSchemaSdl());
