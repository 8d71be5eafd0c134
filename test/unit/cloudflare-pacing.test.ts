import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'cloudflare';
import { describe, expect, it } from 'vitest';
import { MAX_HONOURED_RETRY_AFTER_MS, pacedFetch } from '../../providers/cloudflare/client.js';
import { classifyFailure, failedWriteOutcome, isMissingEndpoint, withoutSecret } from '../../providers/cloudflare/errors.js';
import { pacerForToken } from '../../providers/cloudflare/pacer.js';
import { sendWrite, WRITE_RETRIES } from '../../providers/cloudflare/write-retry.js';
import type { Clock } from '../../src/lib/clock.js';
import { RateLimiter } from '../../src/lib/rate-limit.js';
import { retryAfterMs } from '../../src/lib/retry-after.js';

/** A clock that only moves when someone sleeps on it (the wall clock reads the same time). */
function manualClock(): Pick<Clock, 'now' | 'monotonic' | 'sleep'> & { sleeps: number[] } {
  let now = 1_000_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    monotonic: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

const apiError = (status: number, errors: Array<{ code: number; message: string }>, headers: Record<string, string> = {}) =>
  APIError.generate(status, { success: false, errors, messages: [], result: null }, undefined, new Headers(headers));

describe('RateLimiter (Cloudflare budget)', () => {
  it('lets `limit` requests through per window and holds the next until the oldest leaves it', async () => {
    const clock = manualClock();
    const pacer = new RateLimiter({ limit: 3, windowMs: 10_000 }, clock);
    for (let i = 0; i < 3; i++) await pacer.acquire();
    expect(clock.sleeps).toEqual([]);
    await pacer.acquire();
    expect(clock.sleeps).toEqual([10_000]);
    // the first three (all sent at the same instant) have left the window together
    expect(pacer.inWindow()).toBe(1);
  });

  it('serves concurrent callers one at a time without overshooting the window', async () => {
    const clock = manualClock();
    const pacer = new RateLimiter({ limit: 2, windowMs: 1_000 }, clock);
    await Promise.all(Array.from({ length: 5 }, () => pacer.acquire()));
    // 5 requests at 2 per second: two waits of a full window
    expect(clock.sleeps).toEqual([1_000, 1_000]);
  });

  it('holds every request while a Retry-After is running', async () => {
    const clock = manualClock();
    const pacer = new RateLimiter({ limit: 100, windowMs: 1_000 }, clock);
    pacer.holdFor(2_500);
    await pacer.acquire();
    expect(clock.sleeps).toEqual([2_500]);
  });

  it('is shared per token, and keyed so that two tokens never share', () => {
    expect(pacerForToken('token-a')).toBe(pacerForToken('token-a'));
    expect(pacerForToken('token-a')).not.toBe(pacerForToken('token-b'));
    expect(pacerForToken('token-a').limit).toBeLessThan(1_200);
  });
});

describe('pacedFetch', () => {
  const respond =
    (status: number, headers: Record<string, string> = {}) =>
    async () =>
      new Response('{}', { status, headers });

  it('counts every request against the pacer and passes answers through', async () => {
    const pacer = new RateLimiter({ limit: 10, windowMs: 1_000 }, manualClock());
    const fetch = pacedFetch(pacer, respond(200));
    await fetch('http://127.0.0.1/x');
    await fetch('http://127.0.0.1/y');
    expect(pacer.inWindow()).toBe(2);
  });

  it('holds the token for a short Retry-After and lets the SDK retry', async () => {
    const clock = manualClock();
    const pacer = new RateLimiter({ limit: 10, windowMs: 1_000 }, clock);
    const response = await pacedFetch(pacer, respond(429, { 'retry-after': '3' }), clock.now)('http://127.0.0.1/x');
    expect(response.headers.get('x-should-retry')).toBeNull();
    await pacer.acquire();
    expect(clock.sleeps).toEqual([3_000]);
  });

  it('tells the SDK not to retry a 429 whose Retry-After is longer than a round should wait', async () => {
    const clock = manualClock();
    const pacer = new RateLimiter({ limit: 10, windowMs: 1_000 }, clock);
    const response = await pacedFetch(pacer, respond(429, { 'retry-after': '300' }), clock.now)('http://127.0.0.1/x');
    expect(response.status).toBe(429);
    expect(response.headers.get('x-should-retry')).toBe('false');
    await pacer.acquire();
    expect(clock.sleeps).toEqual([]);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds, milliseconds and HTTP dates', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }))).toBe(2_000);
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '150', 'retry-after': '9' }))).toBe(150);
    expect(retryAfterMs(new Headers({ 'retry-after': new Date(1_000_000 + 5_000).toUTCString() }), 1_000_000)).toBe(5_000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfterMs(new Headers())).toBeUndefined();
  });
});

describe('sendWrite', () => {
  it('resends after a 429, waiting as asked, and gives up after WRITE_RETRIES', async () => {
    const waits: number[] = [];
    let calls = 0;
    const rateLimited = sendWrite(
      async () => {
        calls += 1;
        throw apiError(429, [{ code: 971, message: 'slow down' }], { 'retry-after': '1' });
      },
      async (ms) => waits.push(ms),
    );
    await expect(rateLimited).rejects.toMatchObject({ status: 429 });
    expect(calls).toBe(WRITE_RETRIES + 1);
    expect(waits).toEqual(Array.from({ length: WRITE_RETRIES }, () => 1_000));
  });

  it('never resends after a timeout or a 5xx (the write may have happened)', async () => {
    for (const error of [new APIConnectionTimeoutError(), apiError(502, [])]) {
      let calls = 0;
      await expect(
        sendWrite(
          async () => {
            calls += 1;
            throw error;
          },
          async () => undefined,
        ),
      ).rejects.toBe(error);
      expect(calls).toBe(1);
    }
  });

  it('does not sit out a Retry-After longer than the cap', async () => {
    let calls = 0;
    const error = apiError(429, [], { 'retry-after': String(MAX_HONOURED_RETRY_AFTER_MS / 1000 + 1) });
    await expect(
      sendWrite(
        async () => {
          calls += 1;
          throw error;
        },
        async () => undefined,
      ),
    ).rejects.toBe(error);
    expect(calls).toBe(1);
  });
});

describe('classifyFailure', () => {
  it('names the missing token permission for 401/403, per purpose', () => {
    const write = classifyFailure(apiError(403, [{ code: 10000, message: 'Authentication error' }]), 'write', 'example.com');
    expect(write).toEqual({
      kind: 'auth',
      message: 'Cloudflare refused the API token (HTTP 403: 10000 Authentication error): the token needs the permission Zone → DNS → Edit on zone example.com',
      maybeApplied: false,
    });
    expect(classifyFailure(apiError(401, [{ code: 10000, message: 'Authentication error' }]), 'zone-lookup', 'example.com').message).toMatch(/Zone → Zone → Read/);
    expect(classifyFailure(apiError(403, []), 'read', 'example.com').message).toMatch(/Zone → DNS → Read \(or Edit\) on zone example\.com/);
  });

  it('tells conflicts, refusals, rate limits and unknown outcomes apart', () => {
    expect(classifyFailure(apiError(404, [{ code: 81044, message: 'Record does not exist.' }]), 'write', 'z')).toMatchObject({ kind: 'conflict', maybeApplied: false });
    expect(classifyFailure(apiError(400, [{ code: 81058, message: 'An identical record already exists.' }]), 'write', 'z').kind).toBe('conflict');
    expect(classifyFailure(apiError(400, [{ code: 1004, message: 'DNS Validation Error' }]), 'write', 'z')).toMatchObject({
      kind: 'rejected',
      message: 'Cloudflare refused the request (HTTP 400: 1004 DNS Validation Error)',
    });
    expect(classifyFailure(apiError(429, [{ code: 971, message: 'slow' }], { 'retry-after': '300' }), 'write', 'z').message).toMatch(/retry after 300 s/);
    expect(classifyFailure(new APIConnectionTimeoutError(), 'write', 'z')).toMatchObject({ kind: 'timeout', maybeApplied: true });
    expect(classifyFailure(apiError(503, []), 'write', 'z').maybeApplied).toBe(true);
    const refused = new APIConnectionError({ cause: Object.assign(new Error('fetch failed'), { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) }) });
    expect(classifyFailure(refused, 'write', 'z')).toMatchObject({ kind: 'unreachable', maybeApplied: false });
  });

  it('turns a failure into not-applied, or could-not-confirm when the write may have happened', () => {
    expect(failedWriteOutcome({ kind: 'conflict', message: 'm', maybeApplied: false })).toEqual({ status: 'not-applied', kind: 'conflict', message: 'm' });
    expect(failedWriteOutcome({ kind: 'unreachable', message: 'm', maybeApplied: true })).toEqual({ status: 'unconfirmed', kind: 'unreachable', message: 'm' });
  });

  it('tells a missing batch route from a record error answered with 404', () => {
    expect(isMissingEndpoint(apiError(404, [{ code: 7000, message: 'No route for that URI' }]))).toBe(true);
    expect(isMissingEndpoint(apiError(405, []))).toBe(true);
    expect(isMissingEndpoint(apiError(404, [{ code: 81044, message: 'Record does not exist.' }]))).toBe(false);
    expect(isMissingEndpoint(apiError(400, [{ code: 7000, message: 'No route for that URI' }]))).toBe(false);
  });

  it('scrubs a secret from any text', () => {
    expect(withoutSecret('echo: s3cr3t and s3cr3t', 's3cr3t')).toBe('echo: [redacted] and [redacted]');
  });
});
