/** Set by .ci/run; without it the Redis suites skip, loudly. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL;

if (!TEST_REDIS_URL) {
  console.warn('TEST_REDIS_URL is unset: SKIPPING the Redis suites (CI always runs them).');
}
