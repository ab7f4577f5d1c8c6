import type { PageLocale } from './locale.js';
import { ENGLISH, translator, type Translate } from './messages.js';
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

const phases = (t: Translate) => `<option value="3">${t('car.phases', { n: 3 })}</option><option value="1">${t('car.phases', { n: 1 })}</option>`;

/** The car's technical fields, shared by the add, edit and homeowner forms (`p`: the id prefix). */
function carFields(p: string, t: Translate): string {
  return `${input(`${p}-name`, t('car.name'), 'name', 'autocomplete="off" maxlength="100" required')}
${input(`${p}-battery`, t('car.battery'), 'batteryKwh', 'type="number" inputmode="decimal" min="1" max="1000" step="any"', t('car.batteryHint'))}
${input(`${p}-power`, t('car.power'), 'maxAcKw', 'type="number" inputmode="decimal" min="1" max="43" step="any" required', t('car.powerHint'))}
${select(`${p}-phases`, t('car.phasesLabel'), 'phases', phases(t))}
${input(`${p}-current`, t('car.current'), 'minCurrentA', 'type="number" inputmode="decimal" min="0" max="32" step="any"', t('car.currentHint'))}`;
}

export function vehiclesPage(locale: PageLocale = ENGLISH): string {
  const t = translator(locale);
  return shell({
    locale,
    title: t('vehicles.title'),
    script: 'vehicles.js',
    signedIn: true,
    body: `<p><a href="/fleet">${t('vehicles.back')}</a></p>
<div id="page-error" class="alert" role="alert" hidden></div>
<div id="content" class="stack" aria-busy="true">
<section class="card wide" aria-labelledby="vehicles-h">
<h1 id="vehicles-h">${t('vehicles.title')}</h1>
<p class="muted">${t('vehicles.explain')}</p>
<div class="scroll"><table id="vehicle-list" class="data cards">
<thead><tr><th scope="col">${t('vehicles.colVehicle')}</th><th scope="col">${t('vehicles.colFleet')}</th><th scope="col" class="num">${t('vehicles.colBattery')}</th><th scope="col" class="num">${t('vehicles.colMaxAc')}</th><th scope="col">${t('vehicles.colCards')}</th><th scope="col">${t('vehicles.colCharger')}</th><th scope="col"><span class="visually-hidden">${t('vehicles.colActions')}</span></th></tr></thead>
<tbody></tbody>
</table></div>
<p id="list-status" class="status-line" role="status" aria-live="polite"></p>
</section>

<section class="card" aria-labelledby="edit-h" id="edit" hidden>
<h2 id="edit-h" tabindex="-1">${t('vehicles.editHeading', { name: (chunks: string[]) => `<span id="edit-title">${chunks.join('')}</span>` })}</h2>
<form id="edit-form" novalidate>
${carFields('edit', t)}
<p class="error" id="edit-form-error" hidden></p>
<div class="actions"><button type="submit">${t('common.save')}</button><button type="button" id="edit-close" class="secondary">${t('vehicles.close')}</button></div>
<p id="edit-status" class="status-line" role="status" aria-live="polite"></p>
</form>
<h3>${t('vehicles.cards')}</h3>
<ul id="edit-cards" class="grant-list"></ul>
<form id="card-form" novalidate>
${input('card-token', t('vehicles.cardToken'), 'idToken', 'autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="255"')}
<p class="error" id="card-form-error" hidden></p>
<button type="submit">${t('vehicles.addCard')}</button>
<p id="card-status" class="status-line" role="status" aria-live="polite"></p>
</form>
<h3>${t('vehicles.colCharger')}</h3>
<form id="assign-form" novalidate>
${select('assign-evse', t('vehicles.assign'), 'evseId', '')}
<p class="error" id="assign-form-error" hidden></p>
<button type="submit">${t('vehicles.saveCharger')}</button>
<p id="assign-status" class="status-line" role="status" aria-live="polite"></p>
</form>
</section>

<section class="card" aria-labelledby="add-h">
<h2 id="add-h">${t('vehicles.addHeading')}</h2>
<form id="add-form" novalidate>
${input('add-id', t('vehicles.id'), 'id', 'autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="64" pattern="[A-Za-z0-9._:\\-]+" required', t('vehicles.idHint'))}
${select('add-fleet', t('vehicles.colFleet'), 'fleet', '')}
${carFields('add', t)}
${input('add-card', t('vehicles.addCardOptional'), 'idTokens', 'autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="255"', t('vehicles.addCardHint'))}
<p class="error" id="add-form-error" hidden></p>
<button type="submit">${t('vehicles.add')}</button>
<p id="add-status" class="status-line" role="status" aria-live="polite"></p>
</form>
</section>
</div>`,
  });
}

export function carEditPage(locale: PageLocale = ENGLISH): string {
  const t = translator(locale);
  return shell({
    locale,
    title: t('home.title'),
    script: 'car-edit.js',
    signedIn: true,
    body: `<p><a href="/home">${t('car.back')}</a></p>
<div id="page-error" class="alert" role="alert" hidden></div>
<div id="content" class="stack" aria-busy="true">
<section class="card" aria-labelledby="car-edit-h">
<h1 id="car-edit-h">${t('home.editCar')}</h1>
<p class="muted">${t('car.explain')}</p>
<form id="car-form" novalidate>
<div class="field" id="car-pick" hidden>
<label for="car-id">${t('car.pick')}</label>
<select id="car-id" name="vehicleId" data-field="vehicleId" aria-describedby="car-id-error"></select>
<p class="error" id="car-id-error" hidden></p>
</div>
${carFields('car', t)}
<p class="error" id="car-form-error" hidden></p>
<div class="actions"><button type="submit">${t('common.save')}</button></div>
<p id="car-status" class="status-line" role="status" aria-live="polite"></p>
</form>
</section>
</div>`,
  });
}
