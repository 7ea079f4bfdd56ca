import { parseArgs } from 'node:util';
import { mintToken, SANDBOX_JWT_SECRET } from '../src/auth/dev-token.js';

// Mints an HS256 bearer token the gateway accepts: with AUTH_JWT_SECRET when set, else sandbox mode's.
const { values } = parseArgs({
  options: {
    sub: { type: 'string' },
    email: { type: 'string' },
    name: { type: 'string' },
    'expires-in': { type: 'string', default: '1h' },
  },
});
if (!values.sub) {
  console.error('usage: npm run token -- --sub USER_ID [--email E] [--name N] [--expires-in 1h]');
  process.exit(2);
}
const env = process.env;
console.log(
  await mintToken(
    { sub: values.sub, email: values.email, name: values.name },
    {
      secret: env.AUTH_JWT_SECRET || SANDBOX_JWT_SECRET,
      issuer: env.AUTH_JWT_ISSUER,
      audience: env.AUTH_JWT_AUDIENCE,
      expiresIn: values['expires-in'],
    },
  ),
);
