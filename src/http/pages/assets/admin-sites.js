// The admin sites page (issue 16): pick a site, see its circuit tree with limits and the EVSEs under each circuit,
// edit the whole site as JSON (checked whole by the server, which names the field when it refuses), add, change or
// remove one circuit (admin-site-circuits.js), place or move an EVSE, create and delete sites. Every change goes through the admin API; the server re-plans and logs it.
import { api, ApiError, clearErrors, enc, fieldError, messageOf, pageError, setupHeader, showError } from './api.js';
import { el } from './dom.js';
import { circuitForm } from './admin-site-circuits.js';

const $ = (id) => document.getElementById(id);
const pick = $('site-pick');
const tree = $('tree');
const form = $('site-form');
const json = $('site-json');
const placeForm = $('place-form');
let current = null; // the site as planned (GET /api/v1/sites/:id)
let currentVersion = null; // its ETag (GET …/export): sent as If-Match with a save
let fillCircuits = () => {}; // the circuit form's choices, for the site shown

const kw = (v) => `${v} kW`;
function limits(c) {
  const parts = [];
  if (c.limitKw !== undefined) parts.push(kw(c.limitKw));
  if (c.phaseLimitA !== undefined) parts.push(`${c.phaseLimitA} A per phase`);
  return parts.length ? parts.join(', ') : 'no limit of its own';
}
function evseItem(e) {
  const phases = e.phases === 1 ? `1 phase${e.phase ? ` (L${e.phase})` : ''}` : '3 phases';
  return el('li', { class: 'evse' }, `EVSE ${e.stationId} #${e.evseId}: ${kw(e.maxKw)}, ${phases}`);
}

/** The tree: the grid connection, its circuits (children nested), the EVSEs under the circuit they are on. */
function drawTree(site) {
  const children = (parent) => site.circuits.filter((c) => (c.parent ?? null) === parent);
  const branch = (circuitId) => {
    const items = [
      ...site.evses.filter((e) => e.circuit === circuitId).map(evseItem),
      ...children(circuitId).map((c) => el('li', { class: 'circuit' }, `Circuit ${c.id}: ${limits(c)}`, branch(c.id))),
    ];
    return items.length ? el('ul', {}, ...items) : '';
  };
  tree.replaceChildren(el('li', { class: 'grid' }, `Grid connection: ${kw(site.gridLimitKw)} (${site.timeZone}, tariff ${site.tariff}, ${site.slotMinutes}-minute slots)`, branch(null)));
  $('place-circuit').replaceChildren(el('option', { value: '' }, '— directly under the grid connection'), ...site.circuits.map((c) => el('option', { value: c.id }, c.id)));
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
      ? ['No site yet: write one below and save it with "New site".']
      : ['No site yet. A site pays a tariff and there is none yet: make one on the ', el('a', { href: '/admin/tariffs' }, 'Tariffs'), ' page first, then write the site below and save it with "New site".'])));
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
  $('sites-status').textContent = `${site.name}: ${site.circuits.length} circuit(s), ${site.evses.length} EVSE(s).`;
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
    fieldError(form, json, `The site is not valid JSON: ${err.message}`);
    return undefined;
  }
}

/** A refusal that names a field of the site: shown next to the editor with the field's path. */
function refused(f, err, status) {
  if (err instanceof ApiError && err.field && f === form) {
    // The field's path as the API gives it (circuits[0].parent), not capitalised as a sentence would be.
    const rest = err.message.startsWith(`${err.field}: `) ? err.message.slice(err.field.length + 2) : err.message;
    const box = $('site-json-error');
    box.textContent = `Refused at ${err.field}: ${rest}`;
    box.hidden = false;
    json.setAttribute('aria-invalid', 'true');
    status.textContent = `Not saved: ${messageOf(err)}`;
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
    status.textContent = `Saved ${site.id}; the site is being re-planned.`;
    await loadSites(site.id);
  } catch (err) {
    refused(form, err, status);
  }
}

async function remove() {
  if (!current) return;
  clearErrors(form);
  const status = $('site-status');
  if (!confirm(`Delete site ${current.id}? Its plans stop; its decision log stays.`)) return;
  try {
    await api(`/api/v1/sites/${enc(current.id)}`, { method: 'DELETE' });
    status.textContent = `Deleted ${current.id}.`;
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
  if (!station) return fieldError(placeForm, $('place-station'), 'Enter the station id.');
  try {
    await api(`/api/v1/sites/${enc(current.id)}/evses/${enc(station)}/${enc(evse)}`, { method: 'PUT', json: body });
    status.textContent = `EVSE ${station} #${evse} is on ${current.id} now.`;
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
  fillCircuits = circuitForm({ site: () => current, reload: (id) => show(id) });
  await setupHeader();
  await loadSites();
  $('content').removeAttribute('aria-busy');
}

main().catch(pageError);
