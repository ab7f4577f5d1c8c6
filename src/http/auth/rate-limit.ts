import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import rateLimit, { type FastifyRateLimitStore, type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { RateWindows } from '../../domain/rate-windows.js';
import { HttpError } from '../errors.js';

/**
 * Rate limits for the login and token endpoints, with @fastify/rate-limit's limiters over a store of ours: fixed
 * one-minute windows on the injected clock (its own store reads Date.now, which tests could not move and convention 2
 * forbids), counted in RateWindows: in memory on one process, in the database in a cluster (issue 19: a limit is not
 * multiplied by the number of nodes).
 */
function windowStore(windows: RateWindows): FastifyRateLimitStoreCtor {
  class WindowStore implements FastifyRateLimitStore {
    incr(key: string, cb: (err: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
      windows.hit(`limit:${key}`, timeWindow).then((w) => cb(null, { current: w.count, ttl: w.ttl }), (err: Error) => cb(err));
    }

    child(): FastifyRateLimitStore {
      return new WindowStore();
    }
  }
  return WindowStore as unknown as FastifyRateLimitStoreCtor;
}

/** Counts one request under the key and throws 429 RATE_LIMITED with Retry-After once the limit is passed. */
export type Limiter = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/**
 * Registers @fastify/rate-limit in the calling (encapsulated) plugin with `global: false`, so no other route is
 * limited, and returns a factory of limiters: `what` names the thing counted in the 429 message.
 */
export async function rateLimiters(app: FastifyInstance, windows: RateWindows) {
  await app.register(rateLimit, { global: false, store: windowStore(windows) });
  return (what: string, max: number, key: (request: FastifyRequest) => string): Limiter => {
    // Each limiter counts under its own name: in the database every limiter of every node shares one table.
    const check = app.createRateLimit({ max, timeWindow: 60_000, keyGenerator: (r) => `${what}|${key(r)}` });
    return async (request, reply) => {
      const r = await check(request);
      if (r.isAllowed || !r.isExceeded) return;
      const seconds = Math.max(1, r.ttlInSeconds);
      reply.header('retry-after', String(seconds));
      throw new HttpError(429, 'RATE_LIMITED', `too many ${what}: at most ${max} a minute; try again in ${seconds} s`);
    };
  };
}
