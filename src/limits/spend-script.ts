import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { HOLD_MS, WINDOW_MS } from './stripe-window.js';

/**
 * One round trip for all of a call's budgets, checked and spent atomically in Redis: the
 * caller's per-minute budget (guest address, user, or user reads; a counter per fixed window
 * opened by its first call, as rate-limiter-flexible kept it, so budgets survive an upgrade)
 * and the Stripe account's places (a sorted set of places scored by when each frees: see
 * stripe-window.ts). Neither is spent unless both allow. Redis' own clock (TIME) stamps the
 * places, so instances with skewed clocks still share one window.
 *
 * KEYS: caller budget key, account window key (either may be a placeholder when unused).
 * ARGV: caller limit (0: none), caller window ms, requests (0: none), account limit, hold ms,
 * most wait ms, a unique member prefix.
 * Returns {1, startInMs} when spent, {0, 1, retryAfterMs} refused by the caller's budget,
 * {0, 2, retryAfterMs} refused by the account's.
 */
const SPEND_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local callerLimit = tonumber(ARGV[1])
local callerWindow = tonumber(ARGV[2])
local requests = tonumber(ARGV[3])
local accountLimit = tonumber(ARGV[4])
local hold = tonumber(ARGV[5])
local maxWait = tonumber(ARGV[6])
if callerLimit > 0 then
  local spent = tonumber(redis.call('GET', KEYS[1]) or '0')
  if spent >= callerLimit then
    local ttl = redis.call('PTTL', KEYS[1])
    if ttl < 0 then ttl = callerWindow end
    return {0, 1, ttl}
  end
end
local startAt = now
if requests > 0 then
  if requests > accountLimit then return {0, 2, ${WINDOW_MS}} end
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  local excess = redis.call('ZCARD', KEYS[2]) + requests - accountLimit
  if excess > 0 then
    local nth = redis.call('ZRANGE', KEYS[2], excess - 1, excess - 1, 'WITHSCORES')
    startAt = tonumber(nth[2])
    if startAt - now > maxWait then return {0, 2, startAt - now} end
  end
  for i = 1, requests do
    redis.call('ZADD', KEYS[2], startAt + hold, ARGV[7] .. ':' .. i)
  end
  redis.call('PEXPIRE', KEYS[2], startAt + hold - now)
end
if callerLimit > 0 then
  if redis.call('INCR', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], callerWindow) end
end
return {1, startAt - now}
`;

type SpendReply = [1, number] | [0, 1 | 2, number];

interface SpendCommand {
  spendBudgets(
    callerKey: string,
    accountKey: string,
    callerLimit: number,
    callerWindowMs: number,
    requests: number,
    accountLimit: number,
    holdMs: number,
    maxWaitMs: number,
    member: string,
  ): Promise<SpendReply>;
}

export interface SpendRequest {
  caller?: { key: string; perMinute: number } | undefined;
  account?: { key: string; requests: number; limit: number; maxWaitMs: number } | undefined;
}

export type SpendOutcome =
  | { allowed: true; startInMs: number }
  | { allowed: false; budget: 'caller' | 'stripe-account'; retryAfterMs: number };

/** The script, defined on the client once (ioredis sends EVALSHA, and the source only when Redis lacks it). */
export function redisSpender(redis: Redis): (request: SpendRequest) => Promise<SpendOutcome> {
  const client = redis as Redis & Partial<SpendCommand>;
  if (typeof client.spendBudgets !== 'function') redis.defineCommand('spendBudgets', { numberOfKeys: 2, lua: SPEND_LUA });
  const members = `${randomBytes(6).toString('base64url')}:`;
  let sequence = 0;
  return async ({ caller, account }) => {
    sequence = (sequence + 1) % Number.MAX_SAFE_INTEGER;
    const reply = await (client as Redis & SpendCommand).spendBudgets(
      caller?.key ?? account?.key ?? 'unused',
      account?.key ?? caller?.key ?? 'unused',
      caller?.perMinute ?? 0,
      60_000,
      account?.requests ?? 0,
      account?.limit ?? 0,
      HOLD_MS,
      account?.maxWaitMs ?? 0,
      members + sequence.toString(36),
    );
    if (reply[0] === 1) return { allowed: true, startInMs: reply[1] };
    return { allowed: false, budget: reply[1] === 1 ? 'caller' : 'stripe-account', retryAfterMs: reply[2] };
  };
}
