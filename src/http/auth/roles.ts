/**
 * Roles an API token can hold and the kind of scope each one is granted over. A grant is (role, scope kind,
 * scope id); '*' as the id means every id of that kind. Issue 6 adds admin, fleet-manager and homeowner here and
 * nowhere else: the table (api_token_grants) stores roles and scopes as text.
 */
export const ROLES = {
  /** An energy company publishing its tariffs for the price zones it serves. */
  'tariff-publisher': { scopeKind: 'price-zone' },
} as const satisfies Record<string, { scopeKind: string }>;

export type Role = keyof typeof ROLES;

export const ALL = '*';

export function isRole(name: string): name is Role {
  return Object.hasOwn(ROLES, name);
}
