import { createHmac, randomBytes } from 'node:crypto';
import { mintToken } from '../src/auth/dev-token.js';

/** Every server under test verifies bearer tokens with this secret. */
export const BENCH_JWT_SECRET = 'stripe-setup-gateway-bench-secret-0123456789';
const LIFETIME_SECONDS = 4 * 60 * 60;

const claimsOf = (sub: string) => ({ sub, email: `${sub}@bench.example`, name: 'Bench Shopper' });

/** Signed-in users whose customers the servers store before the known-user cells run. */
export async function knownUserTokens(count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    tokens.push(await mintToken(claimsOf(`known_${i}`), { secret: BENCH_JWT_SECRET, expiresIn: `${LIFETIME_SECONDS}s` }));
  }
  return tokens;
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A token for a user no server has seen, every call. Signed synchronously because autocannon
 * builds each request synchronously and a fast server may need more fresh users than any pool
 * sized in advance; the same HS256 JWT `mintToken` makes (header, iat, exp, claims), verified
 * by the gateway with jose like any other.
 */
export function freshUserTokens(): () => string {
  const run = randomBytes(4).toString('hex');
  let next = 0;
  return () => signedSync(`new_${run}_${next++}`, Math.floor(Date.now() / 1000));
}

/**
 * A token for one of `count` stored users (`stored_0` …) drawn at random, every call. Each user's
 * token is the same all run long (issued at the run's start), as one client's would be, so a
 * user drawn twice presents one token twice.
 */
export function storedUserTokens(count: number, userIdOf: (i: number) => string): () => string {
  const iat = Math.floor(Date.now() / 1000);
  return () => signedSync(userIdOf(Math.floor(Math.random() * count)), iat);
}

const HEADER = base64url({ alg: 'HS256', typ: 'JWT' });

function signedSync(sub: string, iat: number): string {
  const payload = base64url({ ...claimsOf(sub), iat, exp: iat + LIFETIME_SECONDS });
  const signature = createHmac('sha256', BENCH_JWT_SECRET).update(`${HEADER}.${payload}`).digest('base64url');
  return `${HEADER}.${payload}.${signature}`;
}
