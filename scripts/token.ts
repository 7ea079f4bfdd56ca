import { parseArgs } from 'node:util';
import { mintToken, SANDBOX_JWT_SECRET } from '../src/auth/dev-token.js';

// Mints an HS256 bearer token the gateway accepts: with AUTH_JWT_SECRET when set, else sandbox mode's.
const USAGE = `usage: npm run token -- --sub USER_ID [--email E] [--name N] [--expires-in 1h]

Prints an HS256 bearer JWT the gateway accepts: signed with AUTH_JWT_SECRET when it is set,
else with sandbox mode's public development secret; AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE,
when set, go into it too.

  --sub USER_ID      the user id (required)
  --email E          the customer's email
  --name N           the customer's name
  --expires-in 1h    lifetime: 30m, 1h, 7d, … (default 1h)
  --help             this text`;

let values: { sub?: string; email?: string; name?: string; 'expires-in'?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: {
      sub: { type: 'string' },
      email: { type: 'string' },
      name: { type: 'string' },
      'expires-in': { type: 'string', default: '1h' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (error) {
  // An unknown or malformed option: say which, then how to call it; never a stack trace.
  console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (!values.sub) {
  console.error(USAGE);
  process.exit(2);
}
const env = process.env;
try {
  console.log(
    await mintToken(
      { sub: values.sub, email: values.email, name: values.name },
      {
        secret: env.AUTH_JWT_SECRET || SANDBOX_JWT_SECRET,
        issuer: env.AUTH_JWT_ISSUER,
        audience: env.AUTH_JWT_AUDIENCE,
        expiresIn: values['expires-in'] ?? '1h',
      },
    ),
  );
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  process.exit(2);
}
