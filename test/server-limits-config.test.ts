import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.js';

function refusal(env: Record<string, string>): unknown {
  try {
    loadConfig(env);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('server limits configuration', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config.http).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      maxHeaderBytes: 16_384,
      maxConnections: 4096,
    });
    expect(loadConfig({ MAX_CONNECTIONS: '20' }).http.maxConnections).toBe(20);
    expect(config.shutdownGraceMs).toBe(30_000);
    expect(config.databaseTimeoutMs).toBe(5_000);
    expect(config.graphqlIntrospection).toBe(true);
  });

  it('turns introspection off in production unless GRAPHQL_INTROSPECTION says otherwise', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).graphqlIntrospection).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' }).graphqlIntrospection).toBe(true);
    expect(loadConfig({ GRAPHQL_INTROSPECTION: 'false' }).graphqlIntrospection).toBe(false);
  });

  it('keeps the database timeout below a short request deadline', () => {
    expect(loadConfig({ REQUEST_DEADLINE_MS: '4000' }).databaseTimeoutMs).toBe(2_000);
    expect(loadConfig({ REQUEST_DEADLINE_MS: '4000', DATABASE_TIMEOUT_MS: '3000' }).databaseTimeoutMs).toBe(3_000);
  });

  it.each([
    [{ HTTP_REQUEST_TIMEOUT_MS: '5000', HTTP_HEADERS_TIMEOUT_MS: '6000' }, 'HTTP_REQUEST_TIMEOUT_MS'],
    [{ HTTP_HEADERS_TIMEOUT_MS: 'soon' }, 'HTTP_HEADERS_TIMEOUT_MS'],
    [{ HTTP_KEEP_ALIVE_TIMEOUT_MS: '0' }, 'HTTP_KEEP_ALIVE_TIMEOUT_MS'],
    [{ HTTP_MAX_HEADER_BYTES: '10' }, 'HTTP_MAX_HEADER_BYTES'],
    [{ SHUTDOWN_GRACE_MS: '-1' }, 'SHUTDOWN_GRACE_MS'],
    [{ MAX_CONNECTIONS: '0' }, 'MAX_CONNECTIONS'],
    [{ MAX_CONNECTIONS: 'lots' }, 'MAX_CONNECTIONS'],
    [{ MAX_CONNECTIONS: '2.5' }, 'MAX_CONNECTIONS'],
    [{ DATABASE_TIMEOUT_MS: '0' }, 'DATABASE_TIMEOUT_MS'],
    [{ GRAPHQL_INTROSPECTION: 'maybe' }, 'GRAPHQL_INTROSPECTION'],
  ])('refuses %o, naming %s', (env, variable) => {
    const error = refusal(env);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ variable });
  });
});
