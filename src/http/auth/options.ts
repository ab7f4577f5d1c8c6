/**
 * Tunables of the auth layer, with the defaults docs/auth.md describes. main.ts fills the cookie and session ones
 * from config (http.cookieSecure, http.sessionIdleHours, http.sessionMaxHours); tests pass what they need.
 */
export interface AuthOptions {
  /** Mark the session cookie Secure (sent over HTTPS only). False only for plain-http use on localhost. Default true. */
  cookieSecure?: boolean;
  /** A login session ends after this long without a request. Default 12. */
  sessionIdleHours?: number;
  /** ...and this long after login, however busy. Default 168 (7 days). */
  sessionMaxHours?: number;
  /** Login attempts per minute from one IP address. Default 20 (a depot's office can share one address). */
  loginPerMinutePerIp?: number;
  /** Failed logins per minute for one username from one address. Default 5 (login-throttle.ts). */
  loginFailuresPerMinute?: number;
  /**
   * Failed logins per hour for one username from all addresses; past it, only addresses without a failure for that
   * username this hour may try (login-throttle.ts). Default 50.
   */
  loginFailuresPerHourPerUsername?: number;
  /** Requests per minute to the token endpoints per caller. Default 30. */
  tokenRequestsPerMinute?: number;
}

export type ResolvedAuthOptions = Required<AuthOptions>;

export const AUTH_DEFAULTS: ResolvedAuthOptions = {
  cookieSecure: true,
  sessionIdleHours: 12,
  sessionMaxHours: 168,
  loginPerMinutePerIp: 20,
  loginFailuresPerMinute: 5,
  loginFailuresPerHourPerUsername: 50,
  tokenRequestsPerMinute: 30,
};

export function resolveAuthOptions(options: AuthOptions = {}): ResolvedAuthOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const o = { ...AUTH_DEFAULTS, ...defined } as ResolvedAuthOptions;
  for (const key of ['sessionIdleHours', 'sessionMaxHours', 'loginPerMinutePerIp', 'loginFailuresPerMinute', 'loginFailuresPerHourPerUsername', 'tokenRequestsPerMinute'] as const) {
    if (!(o[key] > 0)) throw new RangeError(`auth option ${key} must be a positive number, got ${String(o[key])}`);
  }
  if (o.sessionIdleHours > o.sessionMaxHours) {
    throw new RangeError(`auth option sessionIdleHours (${o.sessionIdleHours}) must not exceed sessionMaxHours (${o.sessionMaxHours})`);
  }
  return o;
}
