// The admin stations page (issue 16): add a charger (its password shown once, with the OCPP URL and username the
// installer types into it), give one a new password (sent to the connected station first, stored only when it
// accepts; or, offline, set by hand), remove one, and adopt or dismiss the chargers waiting to be adopted.
import { api, ApiError, clearErrors, enc, messageOf, pageError, setupHeader, showError } from './api.js';
import { el } from './dom.js';
import { when } from './admin-common.js';

const $ = (id) => document.getElementById(id);
let sites = []; // [{ id, name }]
const circuitsOf = new Map(); // siteId -> circuit ids
let adopting = null; // the waiting station id the adopt form is for

// ---- the one-time secret ----

function showSecret(result, title) {
  const c = result.connection;
  const facts = [];
  const fact = (label, value, id) => facts.push(el('dt', {}, label), el('dd', {}, el('code', id ? { id } : {}, value)));
  if (c.url) fact('OCPP URL', c.url, 'secret-url');
  if (c.username) fact('Username', c.username, 'secret-user');
  if (result.password) fact('Password', result.password, 'secret-password');
  facts.push(el('dt', {}, 'Security profile'), el('dd', {}, String(c.securityProfile)));
  $('secret').replaceChildren(...facts, el('dt', {}, 'How'), el('dd', { class: 'hint' }, c.note));
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
  $(`${prefix}-circuit`).replaceChildren(el('option', { value: '' }, '— directly under the grid connection'), ...list.map((id) => el('option', { value: id }, id)));
  for (const id of ['evse', 'circuit', 'max']) $(`${prefix}-${id}`).disabled = !siteId;
}

function fillSites(prefix) {
  $(`${prefix}-site`).replaceChildren(el('option', { value: '' }, '— place it later (on the Sites page)'), ...sites.map((s) => el('option', { value: s.id }, `${s.name} (${s.id})`)));
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

const placedText = (s) => (s.placements.length ? s.placements.map((p) => `${p.siteId} · EVSE ${p.evseId}${p.circuit ? ` (${p.circuit})` : ''}`).join(', ') : 'not placed');
const chargerText = (s) => [s.vendorName, s.model].filter(Boolean).join(' ') || '—';
const cell = (label, ...children) => el('td', { 'data-label': label, ...(label === 'Actions' ? { class: 'wide-cell' } : {}) }, ...children);

async function loadStations() {
  const { stations, endpoints } = await api('/api/v1/admin/stations');
  $('endpoints').textContent = `Chargers connect to ${[endpoints.ws, endpoints.wss].filter(Boolean).join(' or ')}/<station id>.`;
  $('stations').tBodies[0].replaceChildren(...stations.map((s) => el('tr', {},
    el('th', { scope: 'row' }, el('a', { href: `/stations/${enc(s.id)}` }, s.id)),
    cell('Profile', String(s.securityProfile)),
    cell('Connection', s.connected ? 'connected' : s.lastSeenAt ? `offline, last seen ${when(s.lastSeenAt)}` : 'never connected yet'),
    cell('Charger', chargerText(s)),
    cell('Placed on', placedText(s)),
    cell('Actions', el('div', { class: 'actions' },
      s.securityProfile === 3 ? '' : el('button', { type: 'button', class: 'secondary', onclick: () => rotate(s) }, 'New password'),
      el('button', { type: 'button', class: 'secondary danger', onclick: () => remove(s) }, 'Remove'))),
  )));
}

async function loadWaiting() {
  const { waiting } = await api('/api/v1/admin/stations/waiting');
  $('waiting-empty').hidden = waiting.length > 0;
  $('waiting').hidden = waiting.length === 0;
  $('waiting').tBodies[0].replaceChildren(...waiting.map((w) => el('tr', {},
    el('th', { scope: 'row' }, w.stationId),
    cell('Charger', [w.vendorName, w.model].filter(Boolean).join(' ') || 'not booted yet'),
    cell('From', `${w.remoteAddress}${w.tls ? ' (TLS)' : ''}${w.connected ? ', connected' : ''}`),
    el('td', { 'data-label': 'Last tried', title: `first ${when(w.firstSeenAt)}` }, when(w.lastSeenAt)),
    cell('Attempts', String(w.attempts)),
    cell('Actions', el('div', { class: 'actions' },
      el('button', { type: 'button', onclick: () => openAdopt(w) }, 'Adopt'),
      el('button', { type: 'button', class: 'secondary', onclick: () => dismiss(w) }, 'Dismiss'))),
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
    $('add-status').textContent = `Added ${id}.`;
    form.reset();
    await fillSites('add');
    showSecret(result, `Shown once: type this into ${id} now`);
    await loadStations();
  } catch (err) {
    showError(form, err, $('add-status'));
  }
}

async function rotate(s) {
  const status = $('list-status');
  if (!confirm(`Give ${s.id} a new password? It is sent to the charger first and only kept when the charger accepts it.`)) return;
  try {
    showSecret(await api(`/api/v1/admin/stations/${enc(s.id)}/password`, { method: 'POST', json: { mode: 'station' } }), `${s.id} accepted its new password`);
    status.textContent = `${s.id} uses its new password from its next connection.`;
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 'STATION_OFFLINE')) return void (status.textContent = `Not changed: ${messageOf(err)}`);
    // Offline: nothing changed. The installer may set it on the charger by hand instead (it is locked out until then).
    if (!confirm(`${s.id} is not connected, so the password cannot be sent to it. Set a new password here and type it into the charger yourself? Until you do, ${s.id} cannot connect.`)) {
      return void (status.textContent = `Not changed: ${messageOf(err)}`);
    }
    try {
      showSecret(await api(`/api/v1/admin/stations/${enc(s.id)}/password`, { method: 'POST', json: { mode: 'manual' } }), `Type this into ${s.id} now`);
      status.textContent = `${s.id} has a new password; it cannot connect until it is set on the charger.`;
    } catch (again) {
      status.textContent = `Not changed: ${messageOf(again)}`;
    }
  }
  await loadStations();
}

async function remove(s) {
  const status = $('list-status');
  if (!confirm(`Remove ${s.id}? Its EVSEs leave their sites, it is disconnected, and its stored sessions, meter values and log are deleted. A charger with a running session cannot be removed.`)) return;
  try {
    await api(`/api/v1/admin/stations/${enc(s.id)}`, { method: 'DELETE' });
    status.textContent = `Removed ${s.id}.`;
  } catch (err) {
    status.textContent = `Not removed: ${messageOf(err)}`;
  }
  await loadStations();
}

function openAdopt(w) {
  adopting = w.stationId;
  $('adopt-title').textContent = `Adopt ${w.stationId}${w.vendorName ? ` (${w.vendorName} ${w.model ?? ''})` : ''}`;
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
    status.textContent = `Adopted ${adopting}: it took its new password and reconnects with it.`;
    form.hidden = true;
    showSecret(result, `${adopting} adopted (it has this password already; keep it only if you need it)`);
  } catch (err) {
    showError(form, err, status);
  }
  await Promise.all([loadWaiting(), loadStations()]);
}

async function dismiss(w) {
  try {
    await api(`/api/v1/admin/stations/waiting/${enc(w.stationId)}`, { method: 'DELETE' });
    $('adopt-status').textContent = `Dismissed ${w.stationId}; if it tries again it is listed again.`;
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
