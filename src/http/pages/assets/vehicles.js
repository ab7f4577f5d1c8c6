// Vehicles for fleet managers (issue 16): the vans with their cards and chargers; "Edit" opens one van's fields,
// cards and charger; a form adds a van. Every change goes through /api/v1/vehicles (the API checks the fleet, records
// the change in the audit log and re-plans); the page never decides what someone may see.
import { api, ApiError, clearErrors, enc, fieldError, pageError, setupHeader, showError } from './api.js';
import { el } from './dom.js';
import { t as tr } from './i18n.js';
import * as f from './format.js';
import { carBody, fillCar } from './car-fields.js';

const $ = (id) => document.getElementById(id);
const state = { vehicles: [], assignments: [], chargers: [], selected: null, me: null };

const chargerKey = (c) => `${c.stationId}\u0000${c.evseId}`;
function chargerText(a) {
  const c = state.chargers.find((x) => x.stationId === a.stationId && x.evseId === a.evseId);
  const values = { station: a.stationId, evse: String(a.evseId) };
  return c ? tr('vehicles.chargerAt', { ...values, site: c.siteName }) : tr('vehicles.charger', values);
}
const assignmentOf = (id) => state.assignments.find((a) => a.vehicleId === id);

function row(v) {
  const edit = el('button', { type: 'button', class: 'secondary small', onclick: () => select(v.id) }, tr('vehicles.edit'));
  edit.setAttribute('aria-label', tr('vehicles.editName', { name: v.name }));
  const a = assignmentOf(v.id);
  return el('tr', { dataset: { id: v.id } },
    el('th', { scope: 'row' }, v.name, ' ', el('span', { class: 'muted' }, v.id)),
    el('td', { 'data-label': tr('vehicles.colFleet') }, v.fleet ?? '—'),
    el('td', { 'data-label': tr('vehicles.colBattery'), class: 'num' }, v.batteryKwh == null ? '—' : f.kwh(v.batteryKwh)),
    el('td', { 'data-label': tr('vehicles.colMaxAc'), class: 'num' }, tr('vehicles.maxAc', { power: f.kw(v.maxAcKw), phases: v.phases })),
    el('td', { 'data-label': tr('vehicles.colCards'), class: 'wide-cell' }, v.idTokens.length ? v.idTokens.join(', ') : el('span', { class: 'muted' }, tr('vehicles.none'))),
    el('td', { 'data-label': tr('vehicles.colCharger') }, a ? chargerText(a) : el('span', { class: 'muted' }, tr('vehicles.none'))),
    el('td', { 'data-label': tr('vehicles.colActions') }, edit));
}

async function reload() {
  const [vehicles, placed] = await Promise.all([api('/api/v1/vehicles'), api('/api/v1/vehicle-assignments')]);
  state.vehicles = vehicles;
  state.assignments = placed.assignments;
  state.chargers = placed.chargers;
  $('vehicle-list').tBodies[0].replaceChildren(...(vehicles.length
    ? vehicles.map(row)
    : [el('tr', {}, el('td', { colspan: '7', class: 'muted' }, tr('vehicles.empty')))]));
  fillFleets();
  if (state.selected) show(state.vehicles.find((v) => v.id === state.selected));
}

/** The fleets one may add vans to: those of one's sites and one's fleet-manager grants. */
function fleetChoices() {
  const fleets = new Set(state.chargers.map((c) => c.fleet).filter(Boolean));
  for (const g of state.me.grants) if (g.role === 'fleet-manager' && g.scopeId !== '*') fleets.add(g.scopeId);
  if (state.me.grants.some((g) => g.role === 'admin')) for (const v of state.vehicles) if (v.fleet) fleets.add(v.fleet);
  return [...fleets].sort();
}

function fillFleets() {
  const select = $('add-fleet');
  const keep = select.value;
  select.replaceChildren(...fleetChoices().map((f) => el('option', { value: f }, f)));
  if (keep) select.value = keep;
}

function select(id) {
  state.selected = id;
  for (const f of ['edit-form', 'card-form', 'assign-form']) {
    clearErrors($(f));
    $(f.replace('-form', '-status')).textContent = '';
  }
  show(state.vehicles.find((v) => v.id === id));
  $('edit').hidden = false;
  $('edit-h').focus();
}

/** The edit panel for one van: its fields, its cards (each removable) and the chargers of its fleet. */
function show(v) {
  if (!v) {
    $('edit').hidden = true;
    state.selected = null;
    return;
  }
  $('edit-title').textContent = v.name;
  fillCar('edit', v);
  $('edit-cards').replaceChildren(...(v.idTokens.length ? v.idTokens.map((t) => {
    const remove = el('button', { type: 'button', class: 'secondary small', onclick: () => void removeCard(v, t) }, tr('vehicles.remove'));
    remove.setAttribute('aria-label', tr('vehicles.removeCard', { card: t }));
    return el('li', {}, el('code', {}, t), ' ', remove);
  }) : [el('li', { class: 'muted' }, tr('vehicles.noCard'))]));
  const here = state.chargers.filter((c) => c.fleet === v.fleet);
  const a = assignmentOf(v.id);
  $('assign-evse').replaceChildren(
    el('option', { value: '' }, here.length ? tr('vehicles.notOnCharger') : tr('vehicles.noChargerHere')),
    ...here.map((c) => el('option', { value: chargerKey(c) }, tr('vehicles.chargerAt', { station: c.stationId, evse: String(c.evseId), site: c.siteName }))),
  );
  $('assign-evse').value = a ? chargerKey(a) : '';
}

async function removeCard(v, token) {
  const status = $('card-status');
  status.textContent = tr('vehicles.removing', { card: token });
  try {
    await api(`/api/v1/vehicles/${enc(v.id)}/id-tokens/${enc(token)}`, { method: 'DELETE' });
    status.textContent = tr('vehicles.removed', { card: token });
    await reload();
  } catch (err) {
    status.textContent = tr('vehicles.notRemoved', { message: err.message });
  }
}

/** Runs a form's change with its button disabled; the API's refusal goes next to the field it names. */
function onSubmit(form, statusId, work) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const status = $(statusId);
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      await work(status);
    } catch (err) {
      showError(form, err, status);
    } finally {
      button.disabled = false;
    }
  });
}

onSubmit($('edit-form'), 'edit-status', async (status) => {
  const v = state.vehicles.find((x) => x.id === state.selected);
  const body = carBody($('edit-form'), 'edit');
  if (!body) return void (status.textContent = tr('car.notSaved'));
  status.textContent = tr('common.saving');
  const saved = await api(`/api/v1/vehicles/${enc(v.id)}`, { method: 'PATCH', json: body });
  status.textContent = tr('vehicles.saved', { name: saved.name });
  await reload();
});

onSubmit($('card-form'), 'card-status', async (status) => {
  const input = $('card-token');
  const idToken = input.value.trim();
  if (!idToken) {
    fieldError($('card-form'), input, tr('vehicles.errCard'));
    return void (status.textContent = tr('vehicles.notAdded'));
  }
  status.textContent = tr('vehicles.adding');
  await api(`/api/v1/vehicles/${enc(state.selected)}/id-tokens`, { method: 'POST', json: { idToken } });
  status.textContent = tr('vehicles.addedCard', { card: idToken });
  input.value = '';
  await reload();
});

onSubmit($('assign-form'), 'assign-status', async (status) => {
  const value = $('assign-evse').value;
  const id = state.selected;
  status.textContent = tr('common.saving');
  if (!value) {
    await api(`/api/v1/vehicles/${enc(id)}/assignment`, { method: 'DELETE' });
    status.textContent = tr('vehicles.offCharger');
  } else {
    const c = state.chargers.find((x) => chargerKey(x) === value);
    const a = await api(`/api/v1/vehicles/${enc(id)}/assignment`, { method: 'PUT', json: { stationId: c.stationId, evseId: c.evseId } });
    status.textContent = tr('vehicles.onCharger', { charger: chargerText(a) });
  }
  await reload();
});

onSubmit($('add-form'), 'add-status', async (status) => {
  const form = $('add-form');
  const idInput = $('add-id');
  const id = idInput.value.trim();
  const bad = !id ? tr('vehicles.errId')
    : !/^[A-Za-z0-9._:-]{1,64}$/.test(id) ? tr('vehicles.errIdChars')
    : state.vehicles.some((v) => v.id === id) ? tr('vehicles.errIdTaken', { id })
    : null;
  if (bad) {
    fieldError(form, idInput, bad);
    idInput.focus();
    return void (status.textContent = tr('vehicles.notAddedCheck'));
  }
  const body = carBody(form, 'add');
  if (!body) return void (status.textContent = tr('vehicles.notAddedCheck'));
  const card = $('add-card').value.trim();
  status.textContent = tr('vehicles.adding');
  try {
    const made = await api(`/api/v1/vehicles/${enc(id)}`, { method: 'PUT', json: { ...body, fleet: $('add-fleet').value || null, idTokens: card ? [card] : [] } });
    form.reset();
    status.textContent = tr('vehicles.added', { name: made.name });
    await reload();
    select(made.id);
  } catch (err) {
    // A card that another vehicle holds names idTokens[0]: that is the card field here.
    if (err instanceof ApiError && err.field === 'idTokens[0]') err.field = 'idTokens';
    throw err;
  }
});

$('edit-close').addEventListener('click', () => {
  $('edit').hidden = true;
  const row = state.selected && document.querySelector(`#vehicle-list tr[data-id="${CSS.escape(state.selected)}"] button`);
  state.selected = null;
  if (row) row.focus();
});

async function start() {
  state.me = await setupHeader();
  await reload();
  $('content').setAttribute('aria-busy', 'false');
}

start().catch(pageError);
