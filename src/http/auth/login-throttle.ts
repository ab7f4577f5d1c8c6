import { isIPv6 } from 'node:net';
import type { RateWindows } from '../../domain/rate-windows.js';
import { HttpError } from '../errors.js';

/**
 * Failed logins, counted so that guessing is slow and nobody can lock a known user out (issue 20, finding 8: a
 * limit of 5 attempts a minute per username, from anywhere, let anyone lock a user out with 5 requests a minute).
 *
 * - Per username and address: at most `perMinute` failures a minute. A guesser at one address is slowed; the
 *   person at their own address is not touched by failures from elsewhere.
 * - Per username, from all addresses: past `perHour` failures in the hour, the username is under a spread-out
 *   attack, and every address that already failed for it this hour is refused for the rest of the hour. An address
 *   with no failure for it (the person's own, clean address) still gets its try, so a correct login is never
 *   blocked by other people's failures; a botnet gets one guess per address per hour.
 * - Per address, all usernames (the route's own limiter): at most 20 attempts a minute.
 *
 * Successful logins are not counted. Windows are fixed, on the injected clock: in memory on one process
 * (http/auth/rate-windows.ts, bounded), in the database in a cluster, so that the limits hold for the whole cluster
 * and are not multiplied by the number of nodes (issue 19; storage/rate-window-repository.ts).
 */

/**
 * The address as the limits count it: IPv4 as it is (also when IPv4-mapped), IPv6 by its /64 network, the
 * smallest block one subscriber usually gets; counting single IPv6 addresses would hand every attacker 2^64 fresh
 * "clean" addresses.
 */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  const [head, tail = ''] = ip.toLowerCase().split('::') as [string, string?];
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
const MINUTE = 60_000;
const HOUR = 3_600_000;

export class LoginThrottle {
  constructor(private readonly windows: RateWindows, private readonly limits: { perMinute: number; perHour: number }) {}

  /** Throws 429 RATE_LIMITED (with the seconds to wait) when this address may not try this username now. */
  async check(username: string, ip: string): Promise<void> {
    const user = username.toLowerCase();
    const pair = `login:pair:${user}\n${addressKey(ip)}`;
    const minute = await this.windows.peek(pair, MINUTE);
    if (minute.count >= this.limits.perMinute) {
      throw limited(`too many failed logins for this username from this address: at most ${this.limits.perMinute} a minute`, minute.ttl);
    }
    const all = await this.windows.peek(`login:user:${user}`, HOUR);
    if (all.count >= this.limits.perHour && (await this.windows.peek(pair, HOUR)).count > 0) {
      throw limited(`too many failed logins for this username: at most ${this.limits.perHour} an hour from all addresses`, all.ttl);
    }
  }

  async failed(username: string, ip: string): Promise<void> {
    const user = username.toLowerCase();
    const pair = `login:pair:${user}\n${addressKey(ip)}`;
    await this.windows.hit(pair, MINUTE);
    await this.windows.hit(pair, HOUR);
    await this.windows.hit(`login:user:${user}`, HOUR);
  }
}

/** 429 with the wait in whole seconds; the route puts it in Retry-After. */
export class RateLimitedError extends HttpError {
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(429, 'RATE_LIMITED', message);
  }
}

function limited(what: string, ttlMs: number): RateLimitedError {
  const seconds = Math.max(1, Math.ceil(ttlMs / 1000));
  return new RateLimitedError(`${what}; try again in ${seconds} s`, seconds);
}
