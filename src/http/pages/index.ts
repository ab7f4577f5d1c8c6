import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { Principal } from '../auth/access.js';
import { safeNextPath } from '../auth/next-path.js';
import { homePage, loginPage, noPagePage } from './views.js';
import { fleetPage } from './views-fleet.js';
import { accountPages, type AccountPageOptions } from './account-pages.js';
import { stationPage } from './views-station.js';
import { adminSitesPageRoute } from './admin-sites-page.js';
import { utilisationPageRoute } from './utilisation-page.js';
import { adminStationsPageRoute } from './views-admin-stations.js';
import { vehiclePageRoutes } from './vehicle-pages.js';
import { adminTariffsPageRoute } from './views-admin-tariffs.js';
import { languageRoute, pageLocale } from './locale.js';

/**
 * The web pages (issue 6): a login form, the homeowner's page and the fleet dashboard, served by the product
 * itself with no build step. Each page is a small HTML shell; plain ES modules under /assets fetch the JSON API
 * (src/http/api) with the session cookie and draw with uPlot. Which page a person sees is decided here from
 * their roles; what data they see is decided by the API's scope rules (a page never holds data of its own).
 */

/** Our JS and CSS: next to this file in src/ and, copied by `npm run build`, next to the compiled file in dist/. */
const ASSETS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'assets');
/** uPlot's browser builds, from wherever npm put the package. */
const UPLOT_DIR = join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');
const UPLOT_FILES = new Set(['/uPlot.iife.min.js', '/uPlot.min.css']);
/**
 * FormatJS's intl-messageformat (issue 18, languages) for the pages' scripts: the package ships one self-contained
 * ES module file (intl-messageformat.iife.js; despite its name it ends in `export`, with no imports), which the
 * browser imports as /assets/vendor/intl-messageformat.iife.js. No bundler and no import map (an inline import map would
 * need a CSP exception); the server formats with the same package from node_modules.
 */
const MESSAGEFORMAT_FILE = createRequire(import.meta.url).resolve('intl-messageformat');
const MESSAGEFORMAT_BUNDLE = 'intl-messageformat.iife.js';

type Landing = '/home' | '/fleet' | null;

/** Where a person lands: the fleet dashboard for fleet managers and admins, their home page for homeowners. */
export function landingOf(p: Principal | null): Landing | '/login' {
  if (!p) return '/login';
  const roles = new Set(p.grants.map((g) => g.role));
  if (roles.has('admin') || roles.has('fleet-manager')) return '/fleet';
  if (roles.has('homeowner')) return '/home';
  return null;
}

function principal(request: FastifyRequest): Principal | null {
  // Without the auth plugin (an app built without `auth`) nobody is logged in.
  return request.principal ?? null;
}

function html(reply: FastifyReply, body: string, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
}

/** Not logged in: to the login form, coming back here afterwards. */
function toLogin(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`);
}

/** Pages are for people, not part of the API document (@fastify/swagger skips hidden routes). */
const PAGE = { schema: { hide: true } };

/** firstRun: while no user exists, `/` leads to the setup page (issue 16; account-pages.ts). */
export type PageOptions = AccountPageOptions;

export const pageRoutes: FastifyPluginAsync<PageOptions> = async (app, opts) => {
  await app.register(fastifyStatic, { root: ASSETS_DIR, prefix: '/assets/', decorateReply: false, index: false });
  await app.register(fastifyStatic, {
    root: UPLOT_DIR,
    prefix: '/assets/uplot/',
    decorateReply: false,
    index: false,
    allowedPath: (path) => UPLOT_FILES.has(path),
    // Pages ask for these with ?v=<uPlot's version> (views.ts): one address per version, kept for a year.
    maxAge: '365d',
    immutable: true,
  });

  await app.register(fastifyStatic, {
    root: dirname(MESSAGEFORMAT_FILE),
    prefix: '/assets/vendor/',
    decorateReply: false,
    index: false,
    allowedPath: (path) => path === `/${MESSAGEFORMAT_BUNDLE}`,
  });
  await app.register(languageRoute);

  await app.register(accountPages, opts);
  // Issue 16: sites, their circuit trees and EVSE placements, for admins (the admin API decides).
  await app.register(adminSitesPageRoute);
  // Issue 17: utilisation per site, for admins and fleet managers (the API decides which sites).
  await app.register(utilisationPageRoute);
  await app.register(adminStationsPageRoute);
  // Issue 16: vehicles, cards and chargers for fleet managers; a homeowner's car (vehicle-pages.ts).
  await app.register(vehiclePageRoutes);
  // Issue 16: tariffs (with a 48-hour preview) and price sources, for admins.
  await app.register(adminTariffsPageRoute);

  app.get('/', PAGE, async (request, reply) => {
    if (!principal(request) && (await opts.firstRun?.())) return reply.redirect('/setup');
    const to = landingOf(principal(request));
    return to ? reply.redirect(to) : html(reply, noPagePage(pageLocale(request)), 403);
  });

  // `next` is checked here, once, for the redirect and for the page's script alike (issue 20, finding 5).
  app.get('/login', PAGE, async (request: FastifyRequest<{ Querystring: { next?: unknown } }>, reply) => {
    const next = safeNextPath(request.query.next);
    const to = landingOf(principal(request));
    if (to && to !== '/login') return reply.redirect(next === '/' ? to : next);
    return html(reply, loginPage(next, pageLocale(request)));
  });

  // The page is the shell; the API still answers 403 for anything outside the person's scope.
  app.get('/home', PAGE, async (request, reply) => {
    const p = principal(request);
    if (!p) return toLogin(request, reply);
    if (!p.grants.some((g) => g.role === 'homeowner' || g.role === 'admin')) {
      const to = landingOf(p);
      return to ? reply.redirect(to) : html(reply, noPagePage(pageLocale(request)), 403);
    }
    return html(reply, homePage(pageLocale(request)));
  });

  app.get('/fleet', PAGE, async (request, reply) => {
    const p = principal(request);
    if (!p) return toLogin(request, reply);
    if (landingOf(p) !== '/fleet') {
      const to = landingOf(p);
      return to ? reply.redirect(to) : html(reply, noPagePage(pageLocale(request)), 403);
    }
    return html(reply, fleetPage(pageLocale(request)));
  });

  // Issue 17: a station's page, for the people who maintain chargers (the API decides which stations they see).
  app.get('/stations/:stationId', PAGE, async (request: FastifyRequest<{ Params: { stationId: string } }>, reply) => {
    const p = principal(request);
    if (!p) return toLogin(request, reply);
    if (landingOf(p) !== '/fleet') {
      const to = landingOf(p);
      return to ? reply.redirect(to) : html(reply, noPagePage(pageLocale(request)), 403);
    }
    return html(reply, stationPage(request.params.stationId.slice(0, 100), pageLocale(request)));
  });
};
