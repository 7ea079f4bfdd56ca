import { describe, expect, it } from 'vitest';
import { MemoryWindows } from '../src/limits/memory-windows.js';

/** The per-instance budgets, on a clock the test moves: what a caller is told, and what is kept. */
describe('per-instance rate-limit windows', () => {
  const MINUTE = 60_000;

  it('allows the budget within a window opened by the first call, then refuses until it ends', () => {
    const windows = new MemoryWindows(3, MINUTE, 0);
    expect([1_000, 2_000, 3_000].map((at) => windows.spend('a', at))).toEqual([
      { allowed: true },
      { allowed: true },
      { allowed: true },
    ]);
    // The window opened at 1 s: it ends at 61 s.
    expect(windows.spend('a', 30_500)).toEqual({ allowed: false, retryAfterSeconds: 31 });
    expect(windows.spend('a', 60_999)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(windows.spend('a', 61_000)).toEqual({ allowed: true });
    // Another key has a budget of its own.
    expect(windows.spend('b', 30_000)).toEqual({ allowed: true });
  });

  it('gives back a refunded point within the open window, never below nothing, never after it ends', () => {
    const windows = new MemoryWindows(1, MINUTE, 0);
    expect(windows.spend('a', 1_000)).toEqual({ allowed: true });
    windows.refund('a', 2_000);
    expect(windows.spend('a', 3_000)).toEqual({ allowed: true });
    expect(windows.spend('a', 4_000)).toEqual({ allowed: false, retryAfterSeconds: 57 });
    windows.refund('b', 5_000);
    windows.refund('b', 5_000);
    expect([windows.spend('b', 6_000), windows.spend('b', 7_000)]).toEqual([{ allowed: true }, { allowed: false, retryAfterSeconds: 59 }]);
    windows.refund('a', 61_000);
    expect(windows.spend('a', 61_500)).toEqual({ allowed: true });
    expect(windows.spend('a', 62_000)).toEqual({ allowed: false, retryAfterSeconds: 60 });
  });

  it('keeps a window open across the turn of a generation', () => {
    const windows = new MemoryWindows(1, MINUTE, 0);
    expect(windows.spend('a', 59_000)).toEqual({ allowed: true });
    // Turns at 60 s and at 120 s: the window (59 s to 119 s) is refused throughout, whoever calls.
    expect(windows.spend('other', 60_000)).toEqual({ allowed: true });
    expect(windows.spend('a', 100_000)).toEqual({ allowed: false, retryAfterSeconds: 19 });
    expect(windows.spend('other', 118_000)).toEqual({ allowed: false, retryAfterSeconds: 2 });
    expect(windows.spend('a', 118_500)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(windows.spend('a', 119_000)).toEqual({ allowed: true });
  });

  it('forgets keys two windows after they were last used, and everything after a quiet window', () => {
    const windows = new MemoryWindows(5, MINUTE, 0);
    for (let user = 0; user < 1_000; user++) windows.spend(`user-${user}`, 10 * user);
    expect(windows.size).toBe(1_000);
    windows.spend('late', 70_000);
    expect(windows.size).toBe(1_001);
    windows.spend('later', 130_000);
    expect(windows.size).toBe(2);
    windows.spend('after-a-quiet-minute', 260_000);
    expect(windows.size).toBe(1);
  });
});
