import type { ApiTokenGrant } from '../../domain/prices.js';
import { AuthError } from './api-tokens.js';
import { ALL, describeGrant, type Role } from './roles.js';

/**
 * Who is asking and what they may see. Every route decides with these few functions, so that the scope rules
 * live in one place: a request outside its scope gets 403 AUTH_FORBIDDEN and never someone else's data; lists
 * are filtered to the caller's scope.
 */
export interface Principal {
  /** How the request authenticated: an API token (Bearer) or a login session (cookie). */
  kind: 'token' | 'user';
  /** Token id or user id. */
  id: string;
  name: string;
  grants: readonly ApiTokenGrant[];
  /** Set for cookie sessions: unsafe methods must echo it (X-CSRF-Token header or `_csrf` form field). */
  csrfToken?: string;
}

/** The roles that may read a group's sites, vehicles, plans and sessions. */
export const READERS: readonly Role[] = ['admin', 'fleet-manager', 'homeowner'];
/** The roles that may create and edit vehicles and assignments in a group. */
export const VEHICLE_WRITERS: readonly Role[] = ['admin', 'fleet-manager'];
/** The roles that may set a vehicle's departure target and boost. */
export const TARGET_WRITERS: readonly Role[] = ['admin', 'fleet-manager', 'homeowner'];

export function isAdmin(p: Principal): boolean {
  return p.grants.some((g) => g.role === 'admin');
}

export function hasAnyRole(p: Principal, roles: readonly Role[]): boolean {
  return p.grants.some((g) => (roles as readonly string[]).includes(g.role));
}

/** Throws 403 unless the principal holds one of `roles` somewhere. */
export function requireRole(p: Principal, roles: readonly Role[]): void {
  if (!hasAnyRole(p, roles)) {
    throw new AuthError('AUTH_FORBIDDEN', `this needs the ${roles.join(' or ')} role`, 403);
  }
}

/**
 * The groups (fleets and homes) the principal may act on with one of `roles`: ALL for an admin (or a '*' grant),
 * else the named set (possibly empty).
 */
export function groupsOf(p: Principal, roles: readonly Role[] = READERS): typeof ALL | ReadonlySet<string> {
  const ids = new Set<string>();
  for (const g of p.grants) {
    if (!(roles as readonly string[]).includes(g.role)) continue;
    if (g.role === 'admin' || g.scopeId === ALL) return ALL;
    ids.add(g.scopeId);
  }
  return ids;
}

/** May the principal act with one of `roles` on something that belongs to `group` (null: to no group; admin only)? */
export function canAccess(p: Principal, group: string | null, roles: readonly Role[] = READERS): boolean {
  const groups = groupsOf(p, roles);
  if (groups === ALL) return true;
  return group !== null && groups.has(group);
}

/**
 * Does the principal read site `siteId` through a grant over that site ('site-viewer', issue 16)? Kept apart from the
 * group checks above: a site id is never taken for a fleet or home id, even when the two are spelled alike.
 */
export function readsSite(p: Principal, siteId: string): boolean {
  return p.grants.some((g) => g.role === 'site-viewer' && g.scopeKind === 'site' && (g.scopeId === ALL || g.scopeId === siteId));
}

/** Throws 403 naming the thing unless `canAccess`. `what` is e.g. "site depot" or "vehicle van-7". */
export function assertAccess(p: Principal, group: string | null, what: string, roles: readonly Role[] = READERS): void {
  if (canAccess(p, group, roles)) return;
  const why = hasAnyRole(p, roles) ? `is outside your scope` : `needs the ${roles.join(' or ')} role`;
  throw new AuthError('AUTH_FORBIDDEN', `${what} ${why}`, 403);
}

/** Does the held grant include the wanted one: same role and kind, and over '*' or the same id? */
export function covers(held: ApiTokenGrant, wanted: ApiTokenGrant): boolean {
  return held.role === wanted.role && held.scopeKind === wanted.scopeKind && (held.scopeId === ALL || held.scopeId === wanted.scopeId);
}

/**
 * Throws 403 naming the first grant the principal may not hand on to a new token: an admin may grant anything;
 * anyone else only what one of their own grants covers, so a token never holds more than the person who made it.
 */
export function assertDelegable(p: Principal, wanted: readonly ApiTokenGrant[]): void {
  if (isAdmin(p)) return;
  const denied = wanted.find((w) => !p.grants.some((h) => covers(h, w)));
  if (denied) {
    throw new AuthError('AUTH_FORBIDDEN', `you may not grant ${describeGrant(denied)}: a token gets at most your own grants`, 403);
  }
}
