import { shell } from './views.js';

/**
 * The admin sites page (issue 16): the sites, the chosen site's circuit tree with each circuit's limits and the EVSEs
 * under it, and forms to edit it (the whole site as JSON, one circuit, an EVSE's place) or delete it. The shell only;
 * assets/admin-sites.js fills it from the admin API, which decides (admins only).
 */
export function adminSitesPage(): string {
  return shell({
    title: 'Sites',
    script: 'admin-sites.js',
    signedIn: true,
    body: `<p><a href="/get-started">← Get started</a> · <a href="/admin/tariffs">Tariffs</a> · <a href="/admin/stations">Chargers</a></p>
<div id="page-error" class="alert" role="alert" hidden></div>
<div id="content" class="stack" aria-busy="true">
<section class="card wide" aria-labelledby="sites-h">
<h1 id="sites-h">Sites</h1>
<div class="field">
<label for="site-pick">Site</label>
<select id="site-pick"></select>
</div>
<h2 id="tree-h">Circuits and EVSEs</h2>
<p class="hint">The grid connection at the top, each circuit with its limit (kW, and A per phase), the EVSEs under the circuit they are on.</p>
<ul id="tree" class="tree" aria-labelledby="tree-h"></ul>
<p id="sites-status" class="status-line" role="status" aria-live="polite"></p>
</section>

<section class="card wide" aria-labelledby="edit-h">
<h2 id="edit-h">Edit the site</h2>
<form id="site-form" novalidate>
<div class="field">
<label for="site-json">The site as JSON (the config file's shape: zone, tariff, grid limit, slot length, circuits, EVSEs, policy)</label>
<textarea id="site-json" rows="18" spellcheck="false" autocapitalize="none" aria-describedby="site-json-error"></textarea>
<p class="error" id="site-json-error" hidden></p>
</div>
<p class="error" id="site-form-error" hidden></p>
<div class="actions">
<button type="submit" id="save-site">Save the site</button>
<button type="button" id="new-site" class="secondary">New site</button>
<button type="button" id="delete-site" class="secondary danger">Delete the site</button>
</div>
<p id="site-status" class="status-line" role="status" aria-live="polite"></p>
</form>
</section>

<section class="card" aria-labelledby="circuit-h">
<h2 id="circuit-h">Add or change a circuit</h2>
<p class="hint">Pick an existing circuit's id to change or remove it, or type a new one. Limits are optional: a circuit without one is bounded by those above it.</p>
<form id="circuit-form" novalidate>
<div class="field"><label for="circuit-id">Circuit id</label><input id="circuit-id" list="circuit-ids" required autocapitalize="none" spellcheck="false" aria-describedby="circuit-id-error"><datalist id="circuit-ids"></datalist><p class="error" id="circuit-id-error" hidden></p></div>
<div class="field"><label for="circuit-parent">Under</label><select id="circuit-parent" aria-describedby="circuit-parent-error"></select><p class="error" id="circuit-parent-error" hidden></p></div>
<div class="field"><label for="circuit-limit">Limit in kW (optional)</label><input id="circuit-limit" type="number" min="0.1" step="0.1" inputmode="decimal" aria-describedby="circuit-limit-error"><p class="error" id="circuit-limit-error" hidden></p></div>
<div class="field"><label for="circuit-fuse">Fuse per phase in A (optional)</label><input id="circuit-fuse" type="number" min="1" step="1" inputmode="numeric" aria-describedby="circuit-fuse-error"><p class="error" id="circuit-fuse-error" hidden></p></div>
<p class="error" id="circuit-form-error" hidden></p>
<div class="actions">
<button type="submit">Save the circuit</button>
<button type="button" id="circuit-remove" class="secondary danger">Remove the circuit</button>
</div>
<p id="circuit-status" class="status-line" role="status" aria-live="polite"></p>
</form>
</section>

<section class="card" aria-labelledby="place-h">
<h2 id="place-h">Place or move an EVSE</h2>
<form id="place-form" novalidate>
<div class="field"><label for="place-station">Station id</label><input id="place-station" required autocapitalize="none" spellcheck="false" aria-describedby="place-station-error"><p class="error" id="place-station-error" hidden></p></div>
<div class="field"><label for="place-evse">EVSE number</label><input id="place-evse" type="number" min="1" value="1" aria-describedby="place-evse-error"><p class="error" id="place-evse-error" hidden></p></div>
<div class="field"><label for="place-circuit">Circuit</label><select id="place-circuit" aria-describedby="place-circuit-error"></select><p class="error" id="place-circuit-error" hidden></p></div>
<div class="field"><label for="place-phases">Phases</label><select id="place-phases"><option value="3">3</option><option value="1">1</option></select></div>
<div class="field"><label for="place-phase">Phase (1-phase EVSE)</label><select id="place-phase" aria-describedby="place-phase-error"><option value="">—</option><option>1</option><option>2</option><option>3</option></select><p class="error" id="place-phase-error" hidden></p></div>
<div class="field"><label for="place-max">Maximum kW</label><input id="place-max" type="number" min="0.1" step="0.1" value="11" aria-describedby="place-max-error"><p class="error" id="place-max-error" hidden></p></div>
<p class="error" id="place-form-error" hidden></p>
<button type="submit">Place on this site</button>
<p id="place-status" class="status-line" role="status" aria-live="polite"></p>
</form>
</section>
</div>`,
  });
}
