import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from './index.js';

/** The SDL committed as `schema.graphql`, in a stable order. */
export const printSchemaSdl = (): string => `${printSchema(lexicographicSortSchema(schema))}\n`;
