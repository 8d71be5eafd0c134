import { describe, expect, it } from 'vitest';
import { backoffCeiling } from '../../src/lib/backoff.js';
import { wallTimeOf, type Clock } from '../../src/lib/clock.js';
import { mapLimit } from '../../src/lib/concurrency.js';
import { describeFsError, firstLine } from '../../src/lib/errors.js';
import { RateLimiter } from '../../src/lib/rate-limit.js';

describe('mapLimit', () => {
  it('keeps the input order with at most `limit` calls in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapLimit([5, 1, 4, 2, 3], 2, async (n, i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return `${i}:${n * 10}`;
    });
    expect(results).toEqual(['0:50', '1:10', '2:40', '3:20', '4:30']);
    expect(most).toBe(2);
  });

  it('starts no further item after one call fails, and rejects with that failure', async () => {
    const started: number[] = [];
    const run = mapLimit([0, 1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      await new Promise((resolve) => setImmediate(resolve));
      if (n === 1) throw new Error('item 1 failed');
      return n;
    });
    await expect(run).rejects.toThrow('item 1 failed');
    // 0 and 1 start together; 0's worker takes 2 before 1 fails; nothing after that.
    expect(started).toEqual([0, 1, 2]);
  });
});

describe('backoffCeiling', () => {
  it('doubles from the base per attempt, capped, and stays finite for absurd attempt counts', () => {
    expect([0, 1, 2, 3].map((n) => backoffCeiling(n, 100))).toEqual([100, 200, 400, 800]);
    expect(backoffCeiling(3, 100, 500)).toBe(500);
    expect(backoffCeiling(-1, 100)).toBe(100);
    expect(backoffCeiling(10_000, 1_000, 900_000)).toBe(900_000);
    expect(Number.isFinite(backoffCeiling(10_000, 1_000))).toBe(true);
  });
});

describe('wallTimeOf', () => {
  it('shows a monotonic instant on the wall clock as it reads now, following a step', () => {
    let wall = 1_700_000_000_000;
    let mono = 50_000;
    const clock: Pick<Clock, 'now' | 'monotonic'> = { now: () => wall, monotonic: () => mono };
    const then = clock.monotonic();
    wall += 30_000;
    mono += 30_000;
    expect(wallTimeOf(clock, then)).toBe(1_700_000_000_000);
    wall -= 3_600_000; // stepped back an hour
    expect(clock.now() - wallTimeOf(clock, then)).toBe(30_000);
  });
});

describe('RateLimiter', () => {
  it('measures on the monotonic clock only: a Retry-After hold is the time asked, whatever the wall clock does', async () => {
    let mono = 0;
    const sleeps: number[] = [];
    const limiter = new RateLimiter(
      { limit: 5, windowMs: 1_000 },
      {
        monotonic: () => mono,
        sleep: async (ms) => {
          sleeps.push(ms);
          mono += ms;
        },
      },
    );
    await limiter.acquire();
    limiter.holdFor(2_000);
    limiter.holdFor(500); // a shorter hold never cuts a longer one
    await limiter.acquire();
    expect(sleeps).toEqual([2_000]);
    expect(limiter.granted).toBe(2);
  });
});

describe('error text', () => {
  it('firstLine: the first non-blank line, trimmed, cut when asked', () => {
    expect(firstLine('\n  \r\n  one  \r\ntwo')).toBe('one');
    expect(firstLine('')).toBe('');
    expect(firstLine('x'.repeat(10), 4)).toBe('xxxx…');
  });

  it('describeFsError: common codes in words, others as Node words them without the path', () => {
    const fsError = (code: string, message: string) => Object.assign(new Error(message), { code });
    expect(describeFsError(fsError('ENOENT', "ENOENT: no such file or directory, open '/x'"))).toBe('no such file');
    expect(describeFsError(fsError('EPERM', "EPERM: operation not permitted, rename '/a' -> '/b'"))).toBe('permission denied');
    expect(describeFsError(fsError('ELOOP', "ELOOP: too many symbolic links encountered, open '/etc/loop'"))).toBe('ELOOP: too many symbolic links encountered');
    expect(describeFsError({ code: 'EIO' })).toBe('EIO');
    expect(describeFsError(fsError('toString', 'odd'))).toBe('odd');
  });
});
