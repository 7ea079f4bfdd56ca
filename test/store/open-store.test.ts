import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { openStore } from '../../src/store/open-store.js';

describe('DATABASE_POOL_SIZE', () => {
  it('defaults to 10 and takes a whole number from 1 to 1000', () => {
    expect(loadConfig({}).databasePoolSize).toBe(10);
    expect(loadConfig({ DATABASE_POOL_SIZE: '1' }).databasePoolSize).toBe(1);
    expect(loadConfig({ DATABASE_POOL_SIZE: ' 1000 ' }).databasePoolSize).toBe(1000);
  });

  it.each(['0', '1001', '2.5', '-3', 'ten'])('refuses %s, naming the variable', (value) => {
    let thrown: unknown;
    try {
      loadConfig({ DATABASE_POOL_SIZE: value });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect(thrown).toMatchObject({
      variable: 'DATABASE_POOL_SIZE',
      message: 'DATABASE_POOL_SIZE: expected a whole number from 1 to 1000',
    });
  });
});

describe('openStore', () => {
  it('refuses a URL that names neither SQLite nor PostgreSQL', async () => {
    await expect(openStore('mysql://127.0.0.1/gateway')).rejects.toMatchObject({
      name: 'ConfigError',
      variable: 'DATABASE_URL',
    });
  });
});
