import { GraphQLError } from 'graphql';
import { builder } from './builder.js';

builder.scalarType('DateTime', {
  description: 'A point in time, ISO 8601 in UTC (`2026-12-01T04:30:00.000Z`).',
  serialize: (date) => date.toISOString(),
  parseValue: (value) => {
    const date = typeof value === 'string' ? new Date(value) : undefined;
    if (date === undefined || Number.isNaN(date.getTime())) throw new GraphQLError('DateTime must be an ISO 8601 string.');
    return date;
  },
});
