import type { FastifyPluginAsync } from 'fastify';
import { pageLocale, type PageLocale } from './locale.js';
import { ENGLISH } from './messages.js';
import { adminTranslator } from './admin-messages.js';
import { shell } from './views.js';

/**
 * The admin stations page (issue 16): add a station (its password shown once with what the installer types into the
 * charger), give one a new password, remove one, and adopt or dismiss the stations waiting to be adopted. The shell
 * only; assets/admin-stations.js fills it from the admin API, which decides (admins only).
 */
export function adminStationsPage(locale: PageLocale = ENGLISH): string {
  const t = adminTranslator(locale);
  const field = (id: string, label: string, input: string, hint = '') =>
    `<div class="field"><label for="${id}">${label}</label>${input}${hint ? `<p class="hint" id="${id}-hint">${hint}</p>` : ''}<p class="error" id="${id}-error" hidden></p></div>`;
  const placement = (p: string) => `
${field(`${p}-site`, t('sites.site'), `<select id="${p}-site" data-field="siteId"></select>`)}
${field(`${p}-evse`, t('stations.evseNumber'), `<input id="${p}-evse" type="number" min="1" max="64" value="1" data-field="evseId">`)}
${field(`${p}-circuit`, t('sites.circuit'), `<select id="${p}-circuit" data-field="circuit"></select>`)}
${field(`${p}-max`, t('sites.maxKw'), `<input id="${p}-max" type="number" min="0.1" step="0.1" value="11" data-field="maxKw">`)}`;
  return shell({
    locale,
    title: t('stations.title'),
    script: 'admin-stations.js',
    signedIn: true,
    body: `<p><a href="/get-started">← ${t('admin.nav.start')}</a> · <a href="/admin/sites">${t('admin.nav.sites')}</a></p>
<div id="page-error" class="alert" role="alert" hidden></div>
<div id="content" class="stack" aria-busy="true">
<section class="card wide" id="secret-card" aria-labelledby="secret-h" hidden>
<h2 id="secret-h">${t('stations.secretHeading')}</h2>
<p class="hint">${t('stations.secretHint')}</p>
<dl class="facts" id="secret"></dl>
<button type="button" id="secret-done" class="secondary">${t('stations.secretDone')}</button>
</section>

<section class="card wide" aria-labelledby="add-h">
<h2 id="add-h">${t('stations.addHeading')}</h2>
<form id="add-form" novalidate>
${field('add-id', t('sites.stationId'), '<input id="add-id" required autocapitalize="none" spellcheck="false" maxlength="48" data-field="id">', t('stations.idHint'))}
${field('add-profile', t('stations.profile'), `<select id="add-profile" data-field="securityProfile"><option value="1">${t('stations.profile1')}</option><option value="2">${t('stations.profile2')}</option><option value="3">${t('stations.profile3')}</option></select>`)}
${placement('add')}
<p class="error" id="add-form-error" hidden></p>
<button type="submit">${t('stations.add')}</button>
<p id="add-status" class="status-line" role="status" aria-live="polite"></p>
</form>
</section>

<section class="card wide" aria-labelledby="adopt-h">
<h2 id="adopt-h">${t('stations.waitingHeading')}</h2>
<p class="hint">${t('stations.waitingHint')}</p>
<table class="data cards" id="waiting"><thead><tr><th scope="col">${t('stations.colStation')}</th><th scope="col">${t('stations.colCharger')}</th><th scope="col">${t('stations.colFrom')}</th><th scope="col">${t('stations.colLastTried')}</th><th scope="col">${t('stations.colAttempts')}</th><th scope="col">${t('admin.actions')}</th></tr></thead><tbody></tbody></table>
<p id="waiting-empty" class="hint" hidden>${t('stations.noneWaiting')}</p>
<form id="adopt-form" novalidate hidden>
<h3 id="adopt-title">${t('stations.adopt')}</h3>
${placement('adopt')}
<p class="error" id="adopt-form-error" hidden></p>
<div class="actions"><button type="submit">${t('stations.adoptIt')}</button><button type="button" id="adopt-cancel" class="secondary">${t('admin.cancel')}</button></div>
</form>
<p id="adopt-status" class="status-line" role="status" aria-live="polite"></p>
</section>

<section class="card wide" aria-labelledby="list-h">
<h2 id="list-h">${t('stations.title')}</h2>
<p class="hint" id="endpoints"></p>
<table class="data cards" id="stations"><thead><tr><th scope="col">${t('stations.colStation')}</th><th scope="col">${t('stations.colProfile')}</th><th scope="col">${t('stations.colConnection')}</th><th scope="col">${t('stations.colCharger')}</th><th scope="col">${t('stations.colPlaced')}</th><th scope="col">${t('admin.actions')}</th></tr></thead><tbody></tbody></table>
<form id="list-form" novalidate><p class="error" id="list-form-error" hidden></p></form>
<p id="list-status" class="status-line" role="status" aria-live="polite"></p>
</section>
</div>`,
  });
}

/** GET /admin/stations: admins only; others go to their own page, people not logged in to the login form. */
export const adminStationsPageRoute: FastifyPluginAsync = async (app) => {
  app.get('/admin/stations', { schema: { hide: true } }, async (request, reply) => {
    const p = request.principal ?? null;
    if (!p) return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`);
    if (!p.grants.some((g) => g.role === 'admin')) return reply.redirect('/');
    return reply.code(200).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(adminStationsPage(pageLocale(request)));
  });
};
