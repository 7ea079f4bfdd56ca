/** What spending one point of a budget gave: allowed, or when to try again. */
export type Spent = { allowed: true } | { allowed: false; retryAfterSeconds: number };
