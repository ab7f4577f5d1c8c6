/**
 * The HTTP app as main.ts builds it, without the scheduler: auth plugin, login and token routes, the API document
 * and the pages, on a real SQLite file and a ManualClock; `trustProxy` as deployments behind a proxy set it.
 */
import type { AppDeps } from '../../src/http/app.js';
import type { AuthOptions } from '../../src/http/auth/options.js';
import { authApp } from './helpers/auth-app.js';

export function securityApp(options: AuthOptions = {}, extra: Partial<Pick<AppDeps, 'trustProxy'>> = {}) {
  return authApp(options, { pages: true, ...extra });
}

export type SecurityApp = Awaited<ReturnType<typeof securityApp>>;
