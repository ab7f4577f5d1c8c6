/**
 * Roles a user or an API token can hold and the kind of scope each one is granted over. A grant is (role, scope
 * kind, scope id); '*' as the id means every id of that kind. The tables (api_token_grants, user_grants) store
 * roles and scopes as text, so a new role is a line here.
 *
 * Fleets and homes: a site (config `sites[].fleet`) and a vehicle (`fleet`) belong to one group, a fleet of vans
 * or a household. A fleet-manager's 'fleet' grant and a homeowner's 'home' grant name such a group; what differs
 * is what each role may do in it (src/http/auth/access.ts). A 'site' grant names one site by its id, never a group.
 */
export const ROLES = {
  /** Everything, everywhere: users, tokens, every site and vehicle. */
  admin: { scopeKind: 'all' },
  /** Its fleets' vehicles, sites, plans, sessions and decision logs; sets departures, uploads them in bulk. */
  'fleet-manager': { scopeKind: 'fleet' },
  /** Its own household: its vehicle and charger, the plan and costs of its home site. */
  homeowner: { scopeKind: 'home' },
  /** An energy company publishing its tariffs for the price zones it serves. */
  'tariff-publisher': { scopeKind: 'price-zone' },
  /**
   * One site's reader (issue 16: grants over a site): its plan, prices, stations, fleet table, savings, decisions and
   * live events (GET /sites lists it; ?site= on the stream). Nothing of its fleet's other sites or vehicles, and no
   * writes: access.ts `readsSite`, asked by ApiContext.site for the readers' routes only.
   */
  'site-viewer': { scopeKind: 'site' },
} as const satisfies Record<string, { scopeKind: string }>;

export type Role = keyof typeof ROLES;

export const ALL = '*';

export function isRole(name: string): name is Role {
  return Object.hasOwn(ROLES, name);
}

/** A grant as stored and shown: the role, the kind of thing it is over, and which one ('*': all of them). */
export interface Grant {
  role: string;
  scopeKind: string;
  scopeId: string;
}

/** The grant of `role` over `scopeId`, with the role's own scope kind. */
export function grantOf(role: Role, scopeId: string): Grant {
  return { role, scopeKind: ROLES[role].scopeKind, scopeId };
}

/** What is wrong with a grant, as a sentence naming the rule; null when it is well-formed. */
export function grantProblem(g: Grant): string | null {
  if (!isRole(g.role)) return `unknown role "${g.role}" (roles: ${Object.keys(ROLES).join(', ')})`;
  const kind = ROLES[g.role].scopeKind;
  if (g.scopeKind !== kind) return `role ${g.role} is scoped to ${kind}, not ${g.scopeKind}`;
  // An admin grant is over everything; a named scope would suggest a limit that access.ts does not apply.
  if (kind === 'all' && g.scopeId !== ALL) return `role ${g.role} takes scope "${ALL}", not "${g.scopeId}"`;
  if (g.scopeId.trim() === '') return `role ${g.role} needs a ${kind} id or "${ALL}"`;
  return null;
}

/** "fleet-manager on fleet vans" — how messages name a grant. */
export function describeGrant(g: Grant): string {
  return g.scopeKind === 'all' ? g.role : `${g.role} on ${g.scopeKind} ${g.scopeId}`;
}
