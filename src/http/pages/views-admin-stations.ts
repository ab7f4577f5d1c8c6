import type { FastifyPluginAsync } from 'fastify';
import { shell } from './views.js';

/**
 * The admin stations page (issue 16): add a station (its password shown once with what the installer types into the
 * charger), give one a new password, remove one, and adopt or dismiss the stations waiting to be adopted. The shell
 * only; assets/admin-stations.js fills it from the admin API, which decides (admins only).
 */
export function adminStationsPage(): string {
  const field = (id: string, label: string, input: string, hint = '') =>
    `<div class="field"><label for="${id}">${label}</label>${input}${hint ? `<p class="hint" id="${id}-hint">${hint}</p>` : ''}<p class="error" id="${id}-error" hidden></p></div>`;
  const placement = (p: string) => `
${field(`${p}-site`, 'Site', `<select id="${p}-site" data-field="siteId"></select>`)}
${field(`${p}-evse`, 'EVSE number on the station', `<input id="${p}-evse" type="number" min="1" max="64" value="1" data-field="evseId">`)}
${field(`${p}-circuit`, 'Circuit', `<select id="${p}-circuit" data-field="circuit"></select>`)}
${field(`${p}-max`, 'Maximum kW', `<input id="${p}-max" type="number" min="0.1" step="0.1" value="11" data-field="maxKw">`)}`;
  return shell({
    title: 'Chargers',
    script: 'admin-stations.js',
    signedIn: true,
    body: `<p><a href="/get-started">← Get started</a> · <a href="/admin/sites">Sites</a></p>
<div id="page-error" class="alert" role="alert" hidden></div>
<div id="content" class="stack" aria-busy="true">
<section class="card wide" id="secret-card" aria-labelledby="secret-h" hidden>
<h2 id="secret-h">Shown once: type this into the charger now</h2>
<p class="hint">The password is not stored here (only a hash of it) and cannot be shown again. If it is lost, give the station a new one.</p>
<dl class="facts" id="secret"></dl>
<button type="button" id="secret-done" class="secondary">I have noted it</button>
</section>

<section class="card wide" aria-labelledby="add-h">
<h2 id="add-h">Add a charger</h2>
<form id="add-form" novalidate>
${field('add-id', 'Station id', '<input id="add-id" required autocapitalize="none" spellcheck="false" maxlength="48" data-field="id">', 'What the charger puts at the end of its OCPP URL; also its username.')}
${field('add-profile', 'Security profile', '<select id="add-profile" data-field="securityProfile"><option value="1">1: password over ws://</option><option value="2">2: password over TLS (wss://)</option><option value="3">3: TLS client certificate</option></select>')}
${placement('add')}
<p class="error" id="add-form-error" hidden></p>
<button type="submit">Add the charger</button>
<p id="add-status" class="status-line" role="status" aria-live="polite"></p>
</form>
</section>

<section class="card wide" aria-labelledby="adopt-h">
<h2 id="adopt-h">Waiting to be adopted</h2>
<p class="hint">Chargers that tried to connect with an id this server does not know. They are answered "Pending" and get nothing else until you adopt one: it then receives a new password (SetVariables BasicAuthPassword), reconnects with it and is planned.</p>
<table class="data cards" id="waiting"><thead><tr><th scope="col">Station</th><th scope="col">Charger</th><th scope="col">From</th><th scope="col">Last tried</th><th scope="col">Attempts</th><th scope="col">Actions</th></tr></thead><tbody></tbody></table>
<p id="waiting-empty" class="hint" hidden>No charger is waiting.</p>
<form id="adopt-form" novalidate hidden>
<h3 id="adopt-title">Adopt</h3>
${placement('adopt')}
<p class="error" id="adopt-form-error" hidden></p>
<div class="actions"><button type="submit">Adopt it</button><button type="button" id="adopt-cancel" class="secondary">Cancel</button></div>
</form>
<p id="adopt-status" class="status-line" role="status" aria-live="polite"></p>
</section>

<section class="card wide" aria-labelledby="list-h">
<h2 id="list-h">Chargers</h2>
<p class="hint" id="endpoints"></p>
<table class="data cards" id="stations"><thead><tr><th scope="col">Station</th><th scope="col">Profile</th><th scope="col">Connection</th><th scope="col">Charger</th><th scope="col">Placed on</th><th scope="col">Actions</th></tr></thead><tbody></tbody></table>
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
    return reply.code(200).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(adminStationsPage());
  });
};
