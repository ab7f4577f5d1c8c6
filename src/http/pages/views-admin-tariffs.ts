import type { FastifyPluginAsync } from 'fastify';
import { pageLocale, type PageLocale } from './locale.js';
import { ENGLISH } from './messages.js';
import { adminTranslator } from './admin-messages.js';
import { shell } from './views.js';

/**
 * The admin tariffs page (issue 16): which tariff each site pays, a tariff's editor (a form, and the same tariff as JSON) with a preview
 * of the next 48 hours of effective prices as a chart and a table, and the price sources (add, edit, remove, fetch
 * now). The shell only; assets/admin-tariffs.js and assets/admin-price-sources.js fill it from the admin API, which
 * decides (admins only).
 */
export function adminTariffsPage(locale: PageLocale = ENGLISH): string {
  const t = adminTranslator(locale);
  return shell({
    locale,
    title: t('tariffs.title'),
    script: 'admin-tariffs.js',
    styles: ['admin-tariffs.css'],
    signedIn: true,
    body: `<p><a href="/get-started">← ${t('admin.nav.start')}</a> · <a href="/admin/sites">${t('admin.nav.sites')}</a></p>
<div id="page-error" class="alert" role="alert" hidden></div>
<div id="content" class="stack" aria-busy="true">
<section class="card wide" aria-labelledby="choose-h">
<h1 id="choose-h">${t('tariffs.title')}</h1>
<form id="choose-form" novalidate>
<div class="field"><label for="choose-site">${t('sites.site')}</label><select id="choose-site"></select></div>
<div class="field"><label for="choose-tariff">${t('tariffs.pays')}</label><select id="choose-tariff" data-field="tariff" aria-describedby="choose-tariff-error"></select><p class="error" id="choose-tariff-error" hidden></p></div>
<p class="error" id="choose-form-error" hidden></p>
<button type="submit">${t('tariffs.use')}</button>
<p id="choose-status" class="status-line" role="status" aria-live="polite"></p>
</form>
</section>

<section class="card wide" aria-labelledby="edit-h">
<h2 id="edit-h">${t('tariffs.editHeading')}</h2>
<form id="tariff-form" novalidate>
<div class="field"><label for="tariff-name">${t('tariffs.name')}</label><input id="tariff-name" list="tariff-names" required autocapitalize="none" spellcheck="false" data-field="name" aria-describedby="tariff-name-error"><datalist id="tariff-names"></datalist><p class="error" id="tariff-name-error" hidden></p></div>
<p class="hint">${t('tariffs.hint', { zones: (chunks: string[]) => `<span id="zones">${chunks.join('')}</span>` })}</p>
<div id="tariff-editor" class="tariff-editor"></div>
<p class="error" id="tariff-editor-error" role="alert" hidden></p>
<details id="tariff-json-box"><summary>${t('tariffs.jsonSummary')}</summary>
<p class="hint">${t('tariffs.jsonHint', { market: '<code>{"kind":"market","zone":…}</code>', schedule: '<code>{"kind":"schedule","schedules":[…]}</code>' })}</p>
<div class="field"><label for="tariff-json">${t('tariffs.jsonLabel')}</label><textarea id="tariff-json" rows="16" spellcheck="false" autocapitalize="none" data-field="tariff" aria-describedby="tariff-json-error"></textarea><p class="error" id="tariff-json-error" hidden></p></div>
</details>
<p class="error" id="tariff-form-error" hidden></p>
<div class="actions">
<button type="submit" id="save-tariff">${t('tariffs.save')}</button>
<button type="button" id="preview-draft" class="secondary">${t('tariffs.preview')}</button>
<button type="button" id="delete-tariff" class="secondary danger">${t('tariffs.delete')}</button>
</div>
<p id="tariff-status" class="status-line" role="status" aria-live="polite"></p>
</form>
</section>

<section class="card wide" aria-labelledby="preview-h">
<h2 id="preview-h">${t('tariffs.next48')}</h2>
<p id="preview-caption" class="hint"></p>
<p id="preview-problem" class="alert" hidden></p>
<div id="preview-chart" class="price-chart" role="img" aria-label="${t('tariffs.chartLabel')}"></div>
<div class="scroll preview-scroll" role="region" tabindex="0" aria-label="${t('tariffs.tableLabel')}"><table id="preview-table" class="data"><thead><tr><th scope="col">${t('tariffs.colTime')}</th><th scope="col" class="num">${t('tf.energy')}</th><th scope="col" class="num">${t('tf.gridFee')}</th><th scope="col" class="num">${t('tariffs.colTaxes')}</th><th scope="col" class="num">${t('tf.vat')}</th><th scope="col" class="num">${t('tariffs.colTotal')}</th></tr></thead><tbody></tbody></table></div>
</section>

<section class="card wide" aria-labelledby="sources-h">
<h2 id="sources-h">${t('sources.heading')}</h2>
<div class="scroll" role="region" tabindex="0" aria-label="${t('sources.heading')}"><table id="sources-table" class="data"><thead><tr><th scope="col">${t('sources.colSource')}</th><th scope="col">${t('sources.kind')}</th><th scope="col">${t('sources.zone')}</th><th scope="col">${t('sources.colCredentials')}</th><th scope="col">${t('sources.colLastFetch')}</th></tr></thead><tbody></tbody></table></div>
<form id="source-form" novalidate>
<h3>${t('sources.editHeading')}</h3>
<div class="field"><label for="source-id">${t('sources.id')}</label><input id="source-id" list="source-ids" required autocapitalize="none" spellcheck="false" data-field="id sourceId" aria-describedby="source-id-error"><datalist id="source-ids"></datalist><p class="error" id="source-id-error" hidden></p></div>
<div class="field"><label for="source-kind">${t('sources.kind')}</label><select id="source-kind" data-field="kind"></select></div>
<div class="field"><label for="source-zone">${t('sources.zone')}</label><select id="source-zone" data-field="zone"></select></div>
<div class="field"><label for="source-settings">${t('sources.settings')}</label><textarea id="source-settings" rows="5" spellcheck="false" autocapitalize="none" aria-describedby="source-settings-error"></textarea><p class="error" id="source-settings-error" hidden></p></div>
<div class="field" id="source-secret-field"><label for="source-secret">${t('sources.credential')}</label><input id="source-secret" type="password" autocomplete="off" data-field="token clientSecret" aria-describedby="source-secret-hint source-secret-error"><p class="hint" id="source-secret-hint"></p><p class="error" id="source-secret-error" hidden></p></div>
<p class="error" id="source-form-error" hidden></p>
<div class="actions">
<button type="submit">${t('sources.save')}</button>
<button type="button" id="fetch-source" class="secondary">${t('sources.fetch')}</button>
<button type="button" id="delete-source" class="secondary danger">${t('sources.remove')}</button>
</div>
<p id="source-status" class="status-line" role="status" aria-live="polite"></p>
</form>
</section>
</div>`,
  });
}

/** GET /admin/tariffs: admins only; others go to their own page, people not logged in to the login form. */
export const adminTariffsPageRoute: FastifyPluginAsync = async (app) => {
  app.get('/admin/tariffs', { schema: { hide: true } }, async (request, reply) => {
    const p = request.principal ?? null;
    if (!p) return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`);
    if (!p.grants.some((g) => g.role === 'admin')) return reply.redirect('/');
    return reply.code(200).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(adminTariffsPage(pageLocale(request)));
  });
};
