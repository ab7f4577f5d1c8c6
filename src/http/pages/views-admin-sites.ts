import type { PageLocale } from './locale.js';
import { ENGLISH } from './messages.js';
import { adminTranslator } from './admin-messages.js';
import { shell } from './views.js';

/**
 * The admin sites page (issue 16): the sites, the chosen site's circuit tree with each circuit's limits and the EVSEs
 * under it, and forms to edit it (the whole site as JSON, one circuit, an EVSE's place) or delete it. The shell only;
 * assets/admin-sites.js fills it from the admin API, which decides (admins only). In the page's language (issue 18).
 */
export function adminSitesPage(locale: PageLocale = ENGLISH): string {
  const t = adminTranslator(locale);
  const field = (id: string, label: string, input: string) => `<div class="field"><label for="${id}">${label}</label>${input}<p class="error" id="${id}-error" hidden></p></div>`;
  return shell({
    locale,
    title: t('sites.title'),
    script: 'admin-sites.js',
    signedIn: true,
    body: `<p><a href="/get-started">← ${t('admin.nav.start')}</a> · <a href="/admin/tariffs">${t('admin.nav.tariffs')}</a> · <a href="/admin/stations">${t('admin.nav.chargers')}</a></p>
<div id="page-error" class="alert" role="alert" hidden></div>
<div id="content" class="stack" aria-busy="true">
<section class="card wide" aria-labelledby="sites-h">
<h1 id="sites-h">${t('sites.title')}</h1>
<div class="field">
<label for="site-pick">${t('sites.site')}</label>
<select id="site-pick"></select>
</div>
<h2 id="tree-h">${t('sites.treeHeading')}</h2>
<p class="hint">${t('sites.treeHint')}</p>
<ul id="tree" class="tree" aria-labelledby="tree-h"></ul>
<p id="sites-status" class="status-line" role="status" aria-live="polite"></p>
</section>

<section class="card wide" aria-labelledby="edit-h">
<h2 id="edit-h">${t('sites.editHeading')}</h2>
<form id="site-form" novalidate>
<div class="field">
<label for="site-json">${t('sites.jsonLabel')}</label>
<textarea id="site-json" rows="18" spellcheck="false" autocapitalize="none" aria-describedby="site-json-error"></textarea>
<p class="error" id="site-json-error" hidden></p>
</div>
<p class="error" id="site-form-error" hidden></p>
<div class="actions">
<button type="submit" id="save-site">${t('sites.save')}</button>
<button type="button" id="new-site" class="secondary">${t('sites.new')}</button>
<button type="button" id="delete-site" class="secondary danger">${t('sites.delete')}</button>
</div>
<p id="site-status" class="status-line" role="status" aria-live="polite"></p>
</form>
</section>

<section class="card" aria-labelledby="circuit-h">
<h2 id="circuit-h">${t('circuits.heading')}</h2>
<p class="hint">${t('circuits.hint')}</p>
<form id="circuit-form" novalidate>
<div class="field"><label for="circuit-id">${t('circuits.id')}</label><input id="circuit-id" list="circuit-ids" required autocapitalize="none" spellcheck="false" aria-describedby="circuit-id-error"><datalist id="circuit-ids"></datalist><p class="error" id="circuit-id-error" hidden></p></div>
${field('circuit-parent', t('circuits.parent'), '<select id="circuit-parent" aria-describedby="circuit-parent-error"></select>')}
${field('circuit-limit', t('circuits.limit'), '<input id="circuit-limit" type="number" min="0.1" step="0.1" inputmode="decimal" aria-describedby="circuit-limit-error">')}
${field('circuit-fuse', t('circuits.fuse'), '<input id="circuit-fuse" type="number" min="1" step="1" inputmode="numeric" aria-describedby="circuit-fuse-error">')}
<p class="error" id="circuit-form-error" hidden></p>
<div class="actions">
<button type="submit">${t('circuits.save')}</button>
<button type="button" id="circuit-remove" class="secondary danger">${t('circuits.remove')}</button>
</div>
<p id="circuit-status" class="status-line" role="status" aria-live="polite"></p>
</form>
</section>

<section class="card" aria-labelledby="place-h">
<h2 id="place-h">${t('sites.placeHeading')}</h2>
<form id="place-form" novalidate>
${field('place-station', t('sites.stationId'), '<input id="place-station" required autocapitalize="none" spellcheck="false" aria-describedby="place-station-error">')}
${field('place-evse', t('sites.evseNumber'), '<input id="place-evse" type="number" min="1" value="1" aria-describedby="place-evse-error">')}
${field('place-circuit', t('sites.circuit'), '<select id="place-circuit" aria-describedby="place-circuit-error"></select>')}
<div class="field"><label for="place-phases">${t('sites.phases')}</label><select id="place-phases"><option value="3">3</option><option value="1">1</option></select></div>
${field('place-phase', t('sites.phase'), '<select id="place-phase" aria-describedby="place-phase-error"><option value="">—</option><option>1</option><option>2</option><option>3</option></select>')}
${field('place-max', t('sites.maxKw'), '<input id="place-max" type="number" min="0.1" step="0.1" value="11" aria-describedby="place-max-error">')}
<p class="error" id="place-form-error" hidden></p>
<button type="submit">${t('sites.place')}</button>
<p id="place-status" class="status-line" role="status" aria-live="polite"></p>
</form>
</section>
</div>`,
  });
}
