import helmet from 'helmet';

/**
 * Helmet's headers on every response, `X-Content-Type-Options: nosniff` first among them.
 * Without its Content-Security-Policy: the answers are JSON (nothing for a CSP to govern) and
 * the self-hosted GraphiQL page runs inline scripts, styles and workers that helmet's default
 * policy would block.
 */
export const securityHeaders = helmet({ contentSecurityPolicy: false });
