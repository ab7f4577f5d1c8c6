import { shell } from './views.js';

/**
 * The vehicle pages (issue 16), in views.ts's style: shells only, filled from the API by one module each.
 * - /fleet/vehicles (assets/vehicles.js): fleet managers and admins add and edit vans, their RFID cards and the charger
 *   each van is on; the API decides which vehicles and chargers they see.
 * - /home/car (assets/car-edit.js): a homeowner edits their car's name, battery and charging limits.
 */

const input = (id: string, label: string, field: string, extra: string, hint?: string) => `<div class="field">
<label for="${id}">${label}</label>
<input id="${id}" name="${field}" data-field="${field}" ${extra} aria-describedby="${hint ? `${id}-hint ` : ''}${id}-error">
${hint ? `<p class="hint" id="${id}-hint">${hint}</p>\n` : ''}<p class="error" id="${id}-error" hidden></p>
</div>`;

const select = (id: string, label: string, field: string, options: string) => `<div class="field">
<label for="${id}">${label}</label>
<select id="${id}" name="${field}" data-field="${field}" aria-describedby="${id}-error">${options}</select>
<p class="error" id="${id}-error" hidden></p>
</div>`;

const PHASES = '<option value="3">3 phases</option><option value="1">1 phase</option>';

/** The car's technical fields, shared by the add, edit and homeowner forms (`p`: the id prefix). */
function carFields(p: string): string {
  return `${input(`${p}-name`, 'Name', 'name', 'autocomplete="off" maxlength="100" required')}
${input(`${p}-battery`, 'Battery (kWh)', 'batteryKwh', 'type="number" inputmode="decimal" min="1" max="1000" step="any"', 'Usable capacity; empty if unknown.')}
${input(`${p}-power`, 'Max AC power (kW)', 'maxAcKw', 'type="number" inputmode="decimal" min="1" max="43" step="any" required', 'The on-board charger’s limit.')}
${select(`${p}-phases`, 'Phases', 'phases', PHASES)}
${input(`${p}-current`, 'Minimum current (A)', 'minCurrentA', 'type="number" inputmode="decimal" min="0" max="32" step="any"', 'Below this the car stops charging; empty for the site’s default (6 A).')}`;
}

export function vehiclesPage(): string {
  return shell({
    title: 'Vehicles',
    script: 'vehicles.js',
    signedIn: true,
    body: `<p><a href="/fleet">← Fleet</a></p>
<div id="page-error" class="alert" role="alert" hidden></div>
<div id="content" class="stack" aria-busy="true">
<section class="card wide" aria-labelledby="vehicles-h">
<h1 id="vehicles-h">Vehicles</h1>
<p class="muted">Each van with its RFID cards and the charger it is on. A card names one vehicle; a van is on one charger at a time.</p>
<div class="scroll"><table id="vehicle-list" class="data cards">
<thead><tr><th scope="col">Vehicle</th><th scope="col">Fleet</th><th scope="col" class="num">Battery</th><th scope="col" class="num">Max AC</th><th scope="col">Cards</th><th scope="col">Charger</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody></tbody>
</table></div>
<p id="list-status" class="status-line" role="status" aria-live="polite"></p>
</section>

<section class="card" aria-labelledby="edit-h" id="edit" hidden>
<h2 id="edit-h" tabindex="-1">Edit <span id="edit-title"></span></h2>
<form id="edit-form" novalidate>
${carFields('edit')}
<p class="error" id="edit-form-error" hidden></p>
<div class="actions"><button type="submit">Save</button><button type="button" id="edit-close" class="secondary">Close</button></div>
<p id="edit-status" class="status-line" role="status" aria-live="polite"></p>
</form>
<h3>RFID cards</h3>
<ul id="edit-cards" class="grant-list"></ul>
<form id="card-form" novalidate>
${input('card-token', 'Add a card (RFID uid or contract id)', 'idToken', 'autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="255"')}
<p class="error" id="card-form-error" hidden></p>
<button type="submit">Add card</button>
<p id="card-status" class="status-line" role="status" aria-live="polite"></p>
</form>
<h3>Charger</h3>
<form id="assign-form" novalidate>
${select('assign-evse', 'The charger this van is on', 'evseId', '')}
<p class="error" id="assign-form-error" hidden></p>
<button type="submit">Save charger</button>
<p id="assign-status" class="status-line" role="status" aria-live="polite"></p>
</form>
</section>

<section class="card" aria-labelledby="add-h">
<h2 id="add-h">Add a vehicle</h2>
<form id="add-form" novalidate>
${input('add-id', 'Vehicle id', 'id', 'autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="64" pattern="[A-Za-z0-9._:\\-]+" required', 'Letters, digits and . _ : - (a plate or fleet number); it cannot change later.')}
${select('add-fleet', 'Fleet', 'fleet', '')}
${carFields('add')}
${input('add-card', 'RFID card (optional)', 'idTokens', 'autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="255"', 'More cards can be added afterwards.')}
<p class="error" id="add-form-error" hidden></p>
<button type="submit">Add vehicle</button>
<p id="add-status" class="status-line" role="status" aria-live="polite"></p>
</form>
</section>
</div>`,
  });
}

export function carEditPage(): string {
  return shell({
    title: 'My car',
    script: 'car-edit.js',
    signedIn: true,
    body: `<p><a href="/home">← My car</a></p>
<div id="page-error" class="alert" role="alert" hidden></div>
<div id="content" class="stack" aria-busy="true">
<section class="card" aria-labelledby="car-edit-h">
<h1 id="car-edit-h">Edit my car</h1>
<p class="muted">The plan uses these to know how fast your car can charge.</p>
<form id="car-form" novalidate>
<div class="field" id="car-pick" hidden>
<label for="car-id">Car</label>
<select id="car-id" name="vehicleId" data-field="vehicleId" aria-describedby="car-id-error"></select>
<p class="error" id="car-id-error" hidden></p>
</div>
${carFields('car')}
<p class="error" id="car-form-error" hidden></p>
<div class="actions"><button type="submit">Save</button></div>
<p id="car-status" class="status-line" role="status" aria-live="polite"></p>
</form>
</section>
</div>`,
  });
}
