// Vehicles for fleet managers (issue 16): the vans with their cards and chargers; "Edit" opens one van's fields,
// cards and charger; a form adds a van. Every change goes through /api/v1/vehicles (the API checks the fleet, records
// the change in the audit log and re-plans); the page never decides what someone may see.
import { api, ApiError, clearErrors, enc, fieldError, pageError, setupHeader, showError } from './api.js';
import { el } from './dom.js';
import { carBody, fillCar } from './car-fields.js';

const $ = (id) => document.getElementById(id);
const state = { vehicles: [], assignments: [], chargers: [], selected: null, me: null };

const chargerKey = (c) => `${c.stationId}\u0000${c.evseId}`;
function chargerText(a) {
  const c = state.chargers.find((x) => x.stationId === a.stationId && x.evseId === a.evseId);
  return `${a.stationId} · EVSE ${a.evseId}${c ? ` (${c.siteName})` : ''}`;
}
const assignmentOf = (id) => state.assignments.find((a) => a.vehicleId === id);

function row(v) {
  const edit = el('button', { type: 'button', class: 'secondary small', onclick: () => select(v.id) }, 'Edit');
  edit.setAttribute('aria-label', `Edit ${v.name}`);
  const a = assignmentOf(v.id);
  return el('tr', { dataset: { id: v.id } },
    el('th', { scope: 'row' }, v.name, ' ', el('span', { class: 'muted' }, v.id)),
    el('td', { 'data-label': 'Fleet' }, v.fleet ?? '—'),
    el('td', { 'data-label': 'Battery', class: 'num' }, v.batteryKwh == null ? '—' : `${v.batteryKwh} kWh`),
    el('td', { 'data-label': 'Max AC', class: 'num' }, `${v.maxAcKw} kW · ${v.phases}~`),
    el('td', { 'data-label': 'Cards', class: 'wide-cell' }, v.idTokens.length ? v.idTokens.join(', ') : el('span', { class: 'muted' }, 'none')),
    el('td', { 'data-label': 'Charger' }, a ? chargerText(a) : el('span', { class: 'muted' }, 'none')),
    el('td', { 'data-label': 'Actions' }, edit));
}

async function reload() {
  const [vehicles, placed] = await Promise.all([api('/api/v1/vehicles'), api('/api/v1/vehicle-assignments')]);
  state.vehicles = vehicles;
  state.assignments = placed.assignments;
  state.chargers = placed.chargers;
  $('vehicle-list').tBodies[0].replaceChildren(...(vehicles.length
    ? vehicles.map(row)
    : [el('tr', {}, el('td', { colspan: '7', class: 'muted' }, 'No vehicle yet: add the first one below.'))]));
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
    const remove = el('button', { type: 'button', class: 'secondary small', onclick: () => void removeCard(v, t) }, 'Remove');
    remove.setAttribute('aria-label', `Remove card ${t}`);
    return el('li', {}, el('code', {}, t), ' ', remove);
  }) : [el('li', { class: 'muted' }, 'No card yet.')]));
  const here = state.chargers.filter((c) => c.fleet === v.fleet);
  const a = assignmentOf(v.id);
  $('assign-evse').replaceChildren(
    el('option', { value: '' }, here.length ? 'Not on a charger' : 'No charger on this fleet’s sites'),
    ...here.map((c) => el('option', { value: chargerKey(c) }, `${c.stationId} · EVSE ${c.evseId} (${c.siteName})`)),
  );
  $('assign-evse').value = a ? chargerKey(a) : '';
}

async function removeCard(v, token) {
  const status = $('card-status');
  status.textContent = `Removing ${token}…`;
  try {
    await api(`/api/v1/vehicles/${enc(v.id)}/id-tokens/${enc(token)}`, { method: 'DELETE' });
    status.textContent = `Removed card ${token}.`;
    await reload();
  } catch (err) {
    status.textContent = `Not removed: ${err.message}`;
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
  if (!body) return void (status.textContent = 'Not saved: check the marked field.');
  status.textContent = 'Saving…';
  const saved = await api(`/api/v1/vehicles/${enc(v.id)}`, { method: 'PATCH', json: body });
  status.textContent = `Saved ${saved.name}. Plans with it are being redone.`;
  await reload();
});

onSubmit($('card-form'), 'card-status', async (status) => {
  const input = $('card-token');
  const idToken = input.value.trim();
  if (!idToken) {
    fieldError($('card-form'), input, 'Enter the card’s uid (printed on it, or read by the charger).');
    return void (status.textContent = 'Not added.');
  }
  status.textContent = 'Adding…';
  await api(`/api/v1/vehicles/${enc(state.selected)}/id-tokens`, { method: 'POST', json: { idToken } });
  status.textContent = `Added card ${idToken}.`;
  input.value = '';
  await reload();
});

onSubmit($('assign-form'), 'assign-status', async (status) => {
  const value = $('assign-evse').value;
  const id = state.selected;
  status.textContent = 'Saving…';
  if (!value) {
    await api(`/api/v1/vehicles/${enc(id)}/assignment`, { method: 'DELETE' });
    status.textContent = 'Not on a charger now.';
  } else {
    const c = state.chargers.find((x) => chargerKey(x) === value);
    const a = await api(`/api/v1/vehicles/${enc(id)}/assignment`, { method: 'PUT', json: { stationId: c.stationId, evseId: c.evseId } });
    status.textContent = `On ${chargerText(a)} now.`;
  }
  await reload();
});

onSubmit($('add-form'), 'add-status', async (status) => {
  const form = $('add-form');
  const idInput = $('add-id');
  const id = idInput.value.trim();
  const bad = !id ? 'Give the vehicle an id.'
    : !/^[A-Za-z0-9._:-]{1,64}$/.test(id) ? 'Use letters, digits and . _ : - only (at most 64).'
    : state.vehicles.some((v) => v.id === id) ? `There is a vehicle ${id} already: edit it in the list.`
    : null;
  if (bad) {
    fieldError(form, idInput, bad);
    idInput.focus();
    return void (status.textContent = 'Not added: check the marked field.');
  }
  const body = carBody(form, 'add');
  if (!body) return void (status.textContent = 'Not added: check the marked field.');
  const card = $('add-card').value.trim();
  status.textContent = 'Adding…';
  try {
    const made = await api(`/api/v1/vehicles/${enc(id)}`, { method: 'PUT', json: { ...body, fleet: $('add-fleet').value || null, idTokens: card ? [card] : [] } });
    form.reset();
    status.textContent = `Added ${made.name}. Its cards and charger are in the edit panel.`;
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
