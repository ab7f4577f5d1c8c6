// The admin stations page (issue 16): add a charger (its password shown once, with the OCPP URL and username the
// installer types into it), give one a new password (sent to the connected station first, stored only when it
// accepts; or, offline, set by hand), remove one, and adopt or dismiss the chargers waiting to be adopted.
import { api, ApiError, clearErrors, enc, messageOf, pageError, setupHeader, showError } from './api.js';
import { el } from './dom.js';
import { when } from './admin-common.js';
import { t } from './admin-i18n.js';
import { say } from './admin-phrases.js';

const $ = (id) => document.getElementById(id);
let sites = []; // [{ id, name }]
const circuitsOf = new Map(); // siteId -> circuit ids
let adopting = null; // the waiting station id the adopt form is for

// ---- the one-time secret ----

function showSecret(result, title) {
  const c = result.connection;
  const facts = [];
  const fact = (label, value, id) => facts.push(el('dt', {}, label), el('dd', {}, el('code', id ? { id } : {}, value)));
  if (c.url) fact(t('stations.url'), c.url, 'secret-url');
  if (c.username) fact(t('stations.username'), c.username, 'secret-user');
  if (result.password) fact(t('stations.password'), result.password, 'secret-password');
  facts.push(el('dt', {}, t('stations.profile')), el('dd', {}, String(c.securityProfile)));
  $('secret').replaceChildren(...facts, el('dt', {}, t('stations.how')), el('dd', { class: 'hint' }, say(c.notePhrase, c.note)));
  $('secret-h').textContent = title;
  $('secret-card').hidden = false;
  $('secret-card').scrollIntoView({ block: 'start' });
}

// ---- placements ----

async function circuits(siteId) {
  if (!circuitsOf.has(siteId)) circuitsOf.set(siteId, (await api(`/api/v1/sites/${enc(siteId)}`)).circuits.map((c) => c.id));
  return circuitsOf.get(siteId);
}

async function fillCircuits(prefix) {
  const siteId = $(`${prefix}-site`).value;
  const list = siteId ? await circuits(siteId) : [];
  $(`${prefix}-circuit`).replaceChildren(el('option', { value: '' }, t('sites.underGrid')), ...list.map((id) => el('option', { value: id }, id)));
  for (const id of ['evse', 'circuit', 'max']) $(`${prefix}-${id}`).disabled = !siteId;
}

function fillSites(prefix) {
  $(`${prefix}-site`).replaceChildren(el('option', { value: '' }, t('stations.placeLater')), ...sites.map((s) => el('option', { value: s.id }, `${s.name} (${s.id})`)));
  if (sites.length) $(`${prefix}-site`).value = sites[0].id;
  $(`${prefix}-site`).addEventListener('change', () => fillCircuits(prefix).catch(pageError));
  return fillCircuits(prefix);
}

/** The placement the form describes, or none. */
function placements(prefix) {
  const siteId = $(`${prefix}-site`).value;
  if (!siteId) return [];
  const p = { siteId, evseId: Number($(`${prefix}-evse`).value), maxKw: Number($(`${prefix}-max`).value) };
  if ($(`${prefix}-circuit`).value) p.circuit = $(`${prefix}-circuit`).value;
  return [p];
}

// ---- the lists ----

const placedText = (s) => (s.placements.length ? s.placements.map((p) => t('stations.placed', { site: p.siteId, evse: p.evseId, circuit: p.circuit ?? 'none' })).join(', ') : t('stations.notPlaced'));
const chargerText = (s) => [s.vendorName, s.model].filter(Boolean).join(' ') || '—';
const cell = (key, ...children) => el('td', { 'data-label': t(key), ...(key === 'admin.actions' ? { class: 'wide-cell' } : {}) }, ...children);

async function loadStations() {
  const { stations, endpoints } = await api('/api/v1/admin/stations');
  $('endpoints').textContent = endpoints.ws && endpoints.wss ? t('stations.endpoints2', { ws: endpoints.ws, wss: endpoints.wss }) : t('stations.endpoints1', { url: endpoints.ws || endpoints.wss });
  $('stations').tBodies[0].replaceChildren(...stations.map((s) => el('tr', {},
    el('th', { scope: 'row' }, el('a', { href: `/stations/${enc(s.id)}` }, s.id)),
    cell('stations.colProfile', String(s.securityProfile)),
    cell('stations.colConnection', s.connected ? t('stations.connected') : s.lastSeenAt ? t('stations.offlineSince', { when: when(s.lastSeenAt) }) : t('stations.never')),
    cell('stations.colCharger', chargerText(s)),
    cell('stations.colPlaced', placedText(s)),
    cell('admin.actions', el('div', { class: 'actions' },
      s.securityProfile === 3 ? '' : el('button', { type: 'button', class: 'secondary', onclick: () => rotate(s) }, t('stations.newPassword')),
      el('button', { type: 'button', class: 'secondary danger', onclick: () => remove(s) }, t('stations.remove')))),
  )));
}

async function loadWaiting() {
  const { waiting } = await api('/api/v1/admin/stations/waiting');
  $('waiting-empty').hidden = waiting.length > 0;
  $('waiting').hidden = waiting.length === 0;
  $('waiting').tBodies[0].replaceChildren(...waiting.map((w) => el('tr', {},
    el('th', { scope: 'row' }, w.stationId),
    cell('stations.colCharger', [w.vendorName, w.model].filter(Boolean).join(' ') || t('stations.notBooted')),
    cell('stations.colFrom', t('stations.from', { address: w.remoteAddress, tls: String(Boolean(w.tls)), connected: String(Boolean(w.connected)) })),
    el('td', { 'data-label': t('stations.colLastTried'), title: t('stations.firstTried', { when: when(w.firstSeenAt) }) }, when(w.lastSeenAt)),
    cell('stations.colAttempts', String(w.attempts)),
    cell('admin.actions', el('div', { class: 'actions' },
      el('button', { type: 'button', onclick: () => openAdopt(w) }, t('stations.adopt')),
      el('button', { type: 'button', class: 'secondary', onclick: () => dismiss(w) }, t('stations.dismiss')))),
  )));
}

// ---- actions ----

async function add(event) {
  event.preventDefault();
  const form = $('add-form');
  clearErrors(form);
  const id = $('add-id').value.trim();
  const body = { id, securityProfile: Number($('add-profile').value), placements: placements('add') };
  try {
    const result = await api('/api/v1/admin/stations', { method: 'POST', json: body });
    $('add-status').textContent = t('stations.added', { id });
    form.reset();
    await fillSites('add');
    showSecret(result, t('stations.secretFor', { id }));
    await loadStations();
  } catch (err) {
    showError(form, err, $('add-status'));
  }
}

async function rotate(s) {
  const status = $('list-status');
  if (!confirm(t('stations.confirmRotate', { id: s.id }))) return;
  try {
    showSecret(await api(`/api/v1/admin/stations/${enc(s.id)}/password`, { method: 'POST', json: { mode: 'station' } }), t('stations.rotated', { id: s.id }));
    status.textContent = t('stations.rotatedStatus', { id: s.id });
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 'STATION_OFFLINE')) return void (status.textContent = t('stations.notChanged', { message: messageOf(err) }));
    // Offline: nothing changed. The installer may set it on the charger by hand instead (it is locked out until then).
    if (!confirm(t('stations.confirmManual', { id: s.id }))) {
      return void (status.textContent = t('stations.notChanged', { message: messageOf(err) }));
    }
    try {
      showSecret(await api(`/api/v1/admin/stations/${enc(s.id)}/password`, { method: 'POST', json: { mode: 'manual' } }), t('stations.typeInto', { id: s.id }));
      status.textContent = t('stations.manualStatus', { id: s.id });
    } catch (again) {
      status.textContent = t('stations.notChanged', { message: messageOf(again) });
    }
  }
  await loadStations();
}

async function remove(s) {
  const status = $('list-status');
  if (!confirm(t('stations.confirmRemove', { id: s.id }))) return;
  try {
    await api(`/api/v1/admin/stations/${enc(s.id)}`, { method: 'DELETE' });
    status.textContent = t('stations.removed', { id: s.id });
  } catch (err) {
    status.textContent = t('stations.notRemoved', { message: messageOf(err) });
  }
  await loadStations();
}

function openAdopt(w) {
  adopting = w.stationId;
  $('adopt-title').textContent = w.vendorName ? t('stations.adoptNamed', { id: w.stationId, charger: `${w.vendorName} ${w.model ?? ''}`.trim() }) : t('stations.adoptId', { id: w.stationId });
  clearErrors($('adopt-form'));
  $('adopt-form').hidden = false;
  $('adopt-site').focus();
}

async function adopt(event) {
  event.preventDefault();
  const form = $('adopt-form');
  clearErrors(form);
  const status = $('adopt-status');
  try {
    const result = await api(`/api/v1/admin/stations/waiting/${enc(adopting)}/adopt`, { method: 'POST', json: { placements: placements('adopt') } });
    status.textContent = t('stations.adopted', { id: adopting });
    form.hidden = true;
    showSecret(result, t('stations.adoptedSecret', { id: adopting }));
  } catch (err) {
    showError(form, err, status);
  }
  await Promise.all([loadWaiting(), loadStations()]);
}

async function dismiss(w) {
  try {
    await api(`/api/v1/admin/stations/waiting/${enc(w.stationId)}`, { method: 'DELETE' });
    $('adopt-status').textContent = t('stations.dismissed', { id: w.stationId });
  } catch (err) {
    $('adopt-status').textContent = messageOf(err);
  }
  await loadWaiting();
}

async function main() {
  // The forms' handlers come first, before anything is fetched: a click while the lists still load must not fall
  // through to the browser's own form submission (a page reload that drops what was typed).
  $('add-form').addEventListener('submit', (e) => void add(e));
  $('adopt-form').addEventListener('submit', (e) => void adopt(e));
  $('adopt-cancel').addEventListener('click', () => void ($('adopt-form').hidden = true));
  $('secret-done').addEventListener('click', () => {
    $('secret').replaceChildren();
    $('secret-card').hidden = true;
  });
  await setupHeader();
  sites = await api('/api/v1/sites');
  await Promise.all([fillSites('add'), fillSites('adopt')]);
  await Promise.all([loadStations(), loadWaiting()]);
  $('content').removeAttribute('aria-busy');
}

main().catch(pageError);
