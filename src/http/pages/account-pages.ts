import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/access.js';
import { pageLocale } from './locale.js';
import { accountPage, getStartedPage, setupPage, type NavLink } from './views-accounts.js';
import { adminAuditPage, adminTokensPage, adminUsersPage } from './views-admin-accounts.js';

/**
 * The first-run, account and admin pages (issue 16). Registered by pages/index.ts. Which page a person may open is
 * decided here (admins for /get-started and /admin/*, anyone logged in for /account); the API decides what data
 * they see.
 *
 * Links to pages other parts of the product add (sites, stations) appear once those pages exist on this server:
 * the router is asked at request time, so a link is never dead.
 */
export interface AccountPageOptions {
  /** True while the database has no user: /setup is open (src/http/auth/first-run.ts). Absent: never open. */
  firstRun?: () => Promise<boolean>;
}

const PAGE = { schema: { hide: true } };

/** The checklist's link targets; those without a page on this server get a plain explanation instead. */
export const CHECKLIST_PAGES = ['/admin/sites', '/admin/tariffs', '/admin/stations', '/fleet/vehicles', '/fleet', '/admin/users'] as const;

const NAV: readonly NavLink[] = [
  { href: '/get-started', label: 'Get started' },
  { href: '/admin/sites', label: 'Sites' },
  { href: '/admin/tariffs', label: 'Tariffs' },
  { href: '/admin/stations', label: 'Chargers' },
  { href: '/fleet', label: 'Fleet' },
  { href: '/admin/users', label: 'People' },
  { href: '/admin/tokens', label: 'API tokens' },
  { href: '/admin/audit', label: 'Audit log' },
  { href: '/account', label: 'My password' },
];

function html(reply: FastifyReply, body: string): FastifyReply {
  return reply.code(200).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
}

const isAdmin = (p: Principal) => p.grants.some((g) => g.role === 'admin');

export const accountPages: FastifyPluginAsync<AccountPageOptions> = async (app, opts) => {
  const exists = (url: string) => (app as FastifyInstance).hasRoute({ method: 'GET', url });
  const nav = () => NAV.filter((l) => exists(l.href));

  /** The principal, or a redirect to the login page (coming back here) / to their own page when not an admin. */
  const gate = (request: FastifyRequest, reply: FastifyReply, adminOnly: boolean): Principal | null => {
    const p = request.principal ?? null;
    if (!p) {
      void reply.redirect(`/login?next=${encodeURIComponent(request.url)}`);
      return null;
    }
    if (adminOnly && !isAdmin(p)) {
      void reply.redirect('/');
      return null;
    }
    return p;
  };

  // Gone once any user exists: to the login page, which is where people go from then on.
  app.get('/setup', PAGE, async (request, reply) => ((await opts.firstRun?.()) ? html(reply, setupPage(pageLocale(request))) : reply.redirect('/login')));

  app.get('/get-started', PAGE, async (request, reply) => {
    if (!gate(request, reply, true)) return reply;
    return html(reply, getStartedPage(nav(), CHECKLIST_PAGES.filter(exists), pageLocale(request)));
  });
  app.get('/admin/users', PAGE, async (request, reply) => (gate(request, reply, true) ? html(reply, adminUsersPage(nav(), pageLocale(request))) : reply));
  app.get('/admin/tokens', PAGE, async (request, reply) => (gate(request, reply, true) ? html(reply, adminTokensPage(nav(), pageLocale(request))) : reply));
  app.get('/admin/audit', PAGE, async (request, reply) => (gate(request, reply, true) ? html(reply, adminAuditPage(nav(), pageLocale(request))) : reply));
  app.get('/account', PAGE, async (request, reply) => {
    const p = gate(request, reply, false);
    return p ? html(reply, accountPage(isAdmin(p) ? nav() : null, pageLocale(request))) : reply;
  });
};
