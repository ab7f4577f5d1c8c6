// The admin sites page (issue 16): pick a site, see its circuit tree with limits and the EVSEs under each circuit,
// edit the whole site as JSON (checked whole by the server, which names the field when it refuses), add, change or
// remove one circuit (admin-site-circuits.js), place or move an EVSE, create and delete sites. Every change goes through the admin API; the server re-plans and logs it.
import { api, ApiError, clearErrors, enc, fieldError, messageOf, pageError, setupHeader, showError } from './api.js';
import { el } from './dom.js';
import { circuitForm } from './admin-site-circuits.js';
import { num, parts, t } from './admin-i18n.js';

const $ = (id) => document.getElementById(id);
const pick = $('site-pick');
const tree = $('tree');
const form = $('site-form');
const json = $('site-json');
const placeForm = $('place-form');
let current = null; // the site as planned (GET /api/v1/sites/:id)
let currentVersion = null; // its ETag (GET …/export): sent as If-Match with a save
let fillCircuits = () => {}; // the circuit form's choices, for the site shown

function limits(c) {
  const kw = c.limitKw !== undefined ? num(c.limitKw, 3) : null;
  const amps = c.phaseLimitA !== undefined ? num(c.phaseLimitA, 1) : null;
  if (kw !== null && amps !== null) return t('sites.limitKwA', { kw, amps });
  if (kw !== null) return t('sites.limitKw', { kw });
  return amps !== null ? t('sites.limitA', { amps }) : t('sites.noLimit');
}
function evseItem(e) {
  const phase = e.phases === 1 && e.phase ? String(e.phase) : 'none';
  return el('li', { class: 'evse' }, t('sites.evse', { station: e.stationId, evse: e.evseId, kw: num(e.maxKw, 3), phases: e.phases === 1 ? 1 : 3, phase }));
}

/** The tree: the grid connection, its circuits (children nested), the EVSEs under the circuit they are on. */
function drawTree(site) {
  const children = (parent) => site.circuits.filter((c) => (c.parent ?? null) === parent);
  const branch = (circuitId) => {
    const items = [
      ...site.evses.filter((e) => e.circuit === circuitId).map(evseItem),
      ...children(circuitId).map((c) => el('li', { class: 'circuit' }, t('sites.circuitItem', { id: c.id, limits: limits(c) }), branch(c.id))),
    ];
    return items.length ? el('ul', {}, ...items) : '';
  };
  tree.replaceChildren(el('li', { class: 'grid' }, t('sites.grid', { kw: num(site.gridLimitKw, 3), zone: site.timeZone, tariff: site.tariff, minutes: site.slotMinutes }), branch(null)));
  $('place-circuit').replaceChildren(el('option', { value: '' }, t('sites.underGrid')), ...site.circuits.map((c) => el('option', { value: c.id }, c.id)));
}

async function loadSites(selectId) {
  const sites = await api('/api/v1/sites');
  pick.replaceChildren(...sites.map((s) => el('option', { value: s.id }, `${s.name} (${s.id})`)));
  if (sites.length === 0) {
    current = null;
    // A site pays a tariff that must exist already (the server refuses an unknown one): say so before it refuses,
    // and start the draft with the first tariff there is.
    const { tariffs } = await api('/api/v1/admin/tariffs');
    tree.replaceChildren(el('li', {}, ...(tariffs.length
      ? [t('sites.noneYet')]
      : parts('sites.noneNoTariff', { link: (chunks) => el('a', { href: '/admin/tariffs' }, ...chunks) }))));
    json.value = JSON.stringify({ id: 'my-site', timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone, tariff: tariffs[0]?.name ?? '', gridLimitKw: 22, circuits: [], evses: [] }, null, 2);
    return;
  }
  pick.value = selectId && sites.some((s) => s.id === selectId) ? selectId : sites[0].id;
  await show(pick.value);
}

async function show(siteId) {
  const [site, [exported, version]] = await Promise.all([api(`/api/v1/sites/${enc(siteId)}`), exportOf(siteId)]);
  current = site;
  currentVersion = version;
  drawTree(site);
  fillCircuits(site);
  json.value = JSON.stringify(exported, null, 2);
  $('sites-status').textContent = t('sites.summary', { name: site.name, circuits: site.circuits.length, evses: site.evses.length });
}

/**
 * The site as stored and its version (the ETag): a save sends it back as If-Match, so an edit made on a site someone
 * changed since it was shown is refused (409 SITE_CHANGED, naming what differs) instead of undoing their change.
 */
async function exportOf(siteId) {
  const url = `/api/v1/sites/${enc(siteId)}/export`;
  const res = await fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' });
  if (!res.ok) return [await api(url), null]; // the helper says why (and sends a logged-out person to the login)
  return [await res.json(), res.headers.get('etag')];
}

/** The JSON in the editor, or a message next to it. */
function edited() {
  try {
    return JSON.parse(json.value);
  } catch (err) {
    fieldError(form, json, t('sites.badJson', { message: err.message }));
    return undefined;
  }
}

/** A refusal that names a field of the site: shown next to the editor with the field's path. */
function refused(f, err, status) {
  if (err instanceof ApiError && err.field && f === form) {
    // The field's path as the API gives it (circuits[0].parent), not capitalised as a sentence would be.
    const rest = err.message.startsWith(`${err.field}: `) ? err.message.slice(err.field.length + 2) : err.message;
    const box = $('site-json-error');
    box.textContent = t('sites.refusedAt', { field: err.field, message: rest });
    box.hidden = false;
    json.setAttribute('aria-invalid', 'true');
    status.textContent = t('api.notSaved', { message: messageOf(err) });
    json.focus();
  } else {
    showError(f, err, status);
  }
}

async function save(create) {
  clearErrors(form);
  const body = edited();
  if (body === undefined) return;
  const status = $('site-status');
  try {
    const site = create
      ? await api('/api/v1/sites', { method: 'POST', json: body })
      : await api(`/api/v1/sites/${enc(current ? current.id : body.id)}`, { method: 'PUT', json: body, ifMatch: current && current.id === body.id ? currentVersion : null });
    status.textContent = t('sites.saved', { id: site.id });
    await loadSites(site.id);
  } catch (err) {
    refused(form, err, status);
  }
}

async function remove() {
  if (!current) return;
  clearErrors(form);
  const status = $('site-status');
  if (!confirm(t('sites.confirmDelete', { id: current.id }))) return;
  try {
    await api(`/api/v1/sites/${enc(current.id)}`, { method: 'DELETE' });
    status.textContent = t('sites.deleted', { id: current.id });
    await loadSites();
  } catch (err) {
    refused(form, err, status);
  }
}

async function place(event) {
  event.preventDefault();
  clearErrors(placeForm);
  const status = $('place-status');
  if (!current) return;
  const station = $('place-station').value.trim();
  const evse = Number($('place-evse').value);
  const body = { phases: Number($('place-phases').value), maxKw: Number($('place-max').value) };
  if ($('place-circuit').value) body.circuit = $('place-circuit').value;
  if ($('place-phase').value) body.phase = Number($('place-phase').value);
  if (!station) return fieldError(placeForm, $('place-station'), t('sites.enterStation'));
  try {
    await api(`/api/v1/sites/${enc(current.id)}/evses/${enc(station)}/${enc(evse)}`, { method: 'PUT', json: body });
    status.textContent = t('sites.placed', { station, evse, site: current.id });
    await show(current.id);
  } catch (err) {
    // The API names the path's and the body's fields by their own names; the inputs carry those as data-field.
    showError(placeForm, err, status);
  }
}

async function main() {
  // Handlers before the first fetch: a click while the page loads must not become the browser's own submission.
  for (const [id, f] of [['place-circuit', 'circuit'], ['place-phase', 'phase'], ['place-max', 'maxKw'], ['place-station', 'stationId'], ['place-evse', 'evseId']]) $(id).dataset.field = f;
  json.dataset.field = '';
  // The editor spans its card (app.css sizes inputs, not textareas); set through the CSSOM, which the CSP allows.
  Object.assign(json.style, { width: '100%', boxSizing: 'border-box', fontFamily: 'ui-monospace, monospace', fontSize: '.9rem' });
  pick.addEventListener('change', () => show(pick.value).catch(pageError));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void save(false);
  });
  $('new-site').addEventListener('click', () => void save(true));
  $('delete-site').addEventListener('click', () => void remove());
  placeForm.addEventListener('submit', (e) => void place(e));
  fillCircuits = circuitForm({ site: () => current, version: () => currentVersion, reload: (id) => show(id) });
  await setupHeader();
  await loadSites();
  $('content').removeAttribute('aria-busy');
}

main().catch(pageError);
