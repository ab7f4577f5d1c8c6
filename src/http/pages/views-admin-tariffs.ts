import type { FastifyPluginAsync } from 'fastify';
import { shell } from './views.js';

/**
 * The admin tariffs page (issue 16): which tariff each site pays, a tariff's editor (a form, and the same tariff as JSON) with a preview
 * of the next 48 hours of effective prices as a chart and a table, and the price sources (add, edit, remove, fetch
 * now). The shell only; assets/admin-tariffs.js and assets/admin-price-sources.js fill it from the admin API, which
 * decides (admins only).
 */
export function adminTariffsPage(): string {
  return shell({
    title: 'Tariffs and prices',
    script: 'admin-tariffs.js',
    styles: ['admin-tariffs.css'],
    signedIn: true,
    body: `<p><a href="/get-started">← Get started</a> · <a href="/admin/sites">Sites</a></p>
<div id="page-error" class="alert" role="alert" hidden></div>
<div id="content" class="stack" aria-busy="true">
<section class="card wide" aria-labelledby="choose-h">
<h1 id="choose-h">Tariffs and prices</h1>
<form id="choose-form" novalidate>
<div class="field"><label for="choose-site">Site</label><select id="choose-site"></select></div>
<div class="field"><label for="choose-tariff">The tariff it pays</label><select id="choose-tariff" data-field="tariff" aria-describedby="choose-tariff-error"></select><p class="error" id="choose-tariff-error" hidden></p></div>
<p class="error" id="choose-form-error" hidden></p>
<button type="submit">Use this tariff</button>
<p id="choose-status" class="status-line" role="status" aria-live="polite"></p>
</form>
</section>

<section class="card wide" aria-labelledby="edit-h">
<h2 id="edit-h">Edit a tariff</h2>
<form id="tariff-form" novalidate>
<div class="field"><label for="tariff-name">Name</label><input id="tariff-name" list="tariff-names" required autocapitalize="none" spellcheck="false" data-field="name" aria-describedby="tariff-name-error"><datalist id="tariff-names"></datalist><p class="error" id="tariff-name-error" hidden></p></div>
<p class="hint">Energy from a market price area or fixed and time-of-use prices; grid-fee bands, taxes and VAT, each per kWh, bands in local time. Price areas configured: <span id="zones"></span>.</p>
<div id="tariff-editor" class="tariff-editor"></div>
<p class="error" id="tariff-editor-error" role="alert" hidden></p>
<details id="tariff-json-box"><summary>The same tariff as JSON (to copy, paste or edit by hand)</summary>
<p class="hint">Energy from a price zone (<code>{"kind":"market","zone":…}</code>) or fixed and time-of-use prices (<code>{"kind":"schedule","schedules":[…]}</code>); the form above and this box follow each other.</p>
<div class="field"><label for="tariff-json">The tariff as JSON</label><textarea id="tariff-json" rows="16" spellcheck="false" autocapitalize="none" data-field="tariff" aria-describedby="tariff-json-error"></textarea><p class="error" id="tariff-json-error" hidden></p></div>
</details>
<p class="error" id="tariff-form-error" hidden></p>
<div class="actions">
<button type="submit" id="save-tariff">Save the tariff</button>
<button type="button" id="preview-draft" class="secondary">Preview without saving</button>
<button type="button" id="delete-tariff" class="secondary danger">Delete the tariff</button>
</div>
<p id="tariff-status" class="status-line" role="status" aria-live="polite"></p>
</form>
</section>

<section class="card wide" aria-labelledby="preview-h">
<h2 id="preview-h">The next 48 hours</h2>
<p id="preview-caption" class="hint"></p>
<p id="preview-problem" class="alert" hidden></p>
<div id="preview-chart" class="price-chart" role="img" aria-label="Effective price per slot"></div>
<div class="scroll preview-scroll" role="region" tabindex="0" aria-label="The prices per slot"><table id="preview-table" class="data"><thead><tr><th scope="col">Local time</th><th scope="col" class="num">Energy</th><th scope="col" class="num">Grid fee</th><th scope="col" class="num">Taxes</th><th scope="col" class="num">VAT</th><th scope="col" class="num">Total per kWh</th></tr></thead><tbody></tbody></table></div>
</section>

<section class="card wide" aria-labelledby="sources-h">
<h2 id="sources-h">Price sources</h2>
<div class="scroll" role="region" tabindex="0" aria-label="Price sources"><table id="sources-table" class="data"><thead><tr><th scope="col">Source</th><th scope="col">Kind</th><th scope="col">Zone</th><th scope="col">Credentials</th><th scope="col">Last fetch</th></tr></thead><tbody></tbody></table></div>
<form id="source-form" novalidate>
<h3>Add or edit a source</h3>
<div class="field"><label for="source-id">Id</label><input id="source-id" list="source-ids" required autocapitalize="none" spellcheck="false" data-field="id sourceId" aria-describedby="source-id-error"><datalist id="source-ids"></datalist><p class="error" id="source-id-error" hidden></p></div>
<div class="field"><label for="source-kind">Kind</label><select id="source-kind" data-field="kind"></select></div>
<div class="field"><label for="source-zone">Zone</label><select id="source-zone" data-field="zone"></select></div>
<div class="field"><label for="source-settings">Settings as JSON (area, currency, schedule, …)</label><textarea id="source-settings" rows="5" spellcheck="false" autocapitalize="none" aria-describedby="source-settings-error"></textarea><p class="error" id="source-settings-error" hidden></p></div>
<div class="field" id="source-secret-field"><label for="source-secret">Credential</label><input id="source-secret" type="password" autocomplete="off" data-field="token clientSecret" aria-describedby="source-secret-hint source-secret-error"><p class="hint" id="source-secret-hint"></p><p class="error" id="source-secret-error" hidden></p></div>
<p class="error" id="source-form-error" hidden></p>
<div class="actions">
<button type="submit">Save the source</button>
<button type="button" id="fetch-source" class="secondary">Fetch now</button>
<button type="button" id="delete-source" class="secondary danger">Remove the source</button>
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
    return reply.code(200).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(adminTariffsPage());
  });
};
