import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import rateLimit, { type FastifyRateLimitStore, type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Clock } from '../../platform/clock.js';
import { HttpError } from '../errors.js';

/**
 * Rate limits for the login and token endpoints, with @fastify/rate-limit's limiters over a store that reads the
 * injected clock (its own store reads Date.now, which tests could not move and convention 2 forbids). Fixed
 * one-minute windows per key; the map is bounded so a flood of distinct keys cannot grow it without end.
 */
const MAX_KEYS = 10_000;

interface Window {
  start: number;
  count: number;
}

function clockStore(clock: Clock): FastifyRateLimitStoreCtor {
  class ClockStore implements FastifyRateLimitStore {
    private readonly windows = new Map<string, Window>();

    incr(key: string, cb: (err: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
      const now = clock.now();
      let w = this.windows.get(key);
      if (!w || w.start + timeWindow <= now) {
        this.windows.delete(key);
        if (this.windows.size >= MAX_KEYS) this.windows.delete(this.windows.keys().next().value!);
        w = { start: now, count: 0 };
        this.windows.set(key, w);
      }
      w.count++;
      cb(null, { current: w.count, ttl: w.start + timeWindow - now });
    }

    child(): FastifyRateLimitStore {
      return new ClockStore();
    }
  }
  return ClockStore as unknown as FastifyRateLimitStoreCtor;
}

/** Counts one request under the key and throws 429 RATE_LIMITED with Retry-After once the limit is passed. */
export type Limiter = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/**
 * Registers @fastify/rate-limit in the calling (encapsulated) plugin with `global: false`, so no other route is
 * limited, and returns a factory of limiters: `what` names the thing counted in the 429 message.
 */
export async function rateLimiters(app: FastifyInstance, clock: Clock) {
  await app.register(rateLimit, { global: false, store: clockStore(clock) });
  return (what: string, max: number, key: (request: FastifyRequest) => string): Limiter => {
    const check = app.createRateLimit({ max, timeWindow: 60_000, keyGenerator: key });
    return async (request, reply) => {
      const r = await check(request);
      if (r.isAllowed || !r.isExceeded) return;
      const seconds = Math.max(1, r.ttlInSeconds);
      reply.header('retry-after', String(seconds));
      throw new HttpError(429, 'RATE_LIMITED', `too many ${what}: at most ${max} a minute; try again in ${seconds} s`);
    };
  };
}
