// The get-started checklist (issue 16): what exists of what the product needs, each step linked to the page that
// does it. Links only to pages this server has (the server lists them on #start); the rest get a plain explanation.
import { api, pageError, setupHeader } from './api.js';
import { el } from './dom.js';

const $ = (id) => document.getElementById(id);
const pages = new Set(($('start').dataset.pages || '').split(' ').filter(Boolean));

/** Each step: its title, the page that does it, and what to do where that page does not exist here. */
const STEPS = {
  site: {
    title: 'Add a site',
    page: '/admin/sites', label: 'Add or edit sites',
    otherwise: ['Sites are read from the configuration file for now: add one to ', el('code', {}, 'sites'), ' (in ', el('code', {}, 'config/default.json'),
      ' or the file ', el('code', {}, 'CHARGEPLAN_CONFIG'), ' names) and restart.'],
  },
  tariff: {
    title: 'Give each site a tariff or a price source',
    page: '/admin/tariffs', label: 'Choose or edit the tariff, add a price source',
    otherwise: ['Tariffs and price sources are in the configuration file (', el('code', {}, 'prices'), '); an energy company can publish prices with an API token (',
      el('a', { href: '/admin/tokens' }, 'API tokens'), ', role tariff-publisher).'],
  },
  charger: {
    title: 'Connect a charger',
    page: '/admin/stations', label: 'Add a charger, or adopt one that is waiting',
    otherwise: ['Register the station with ', el('code', { class: 'nowrap' }, 'npm run stations -- add'), ', then enter this server’s OCPP address and the password in the charger.'],
  },
  vehicle: {
    title: 'Add a vehicle',
    page: '/fleet/vehicles', label: 'Add vehicles and their RFID cards',
    otherwise: ['Vehicles are added through the API (', el('code', {}, 'PUT /api/v1/vehicles/{id}'), ').'],
  },
  departure: {
    title: 'Set a departure target',
    page: '/fleet', label: 'Set departures on the fleet page',
    otherwise: ['Departures are set through the API (', el('code', {}, 'PUT /api/v1/vehicles/{id}/target'), ').'],
  },
  people: {
    title: 'Add the people who use it',
    page: '/admin/users', label: 'Add fleet managers and homeowners',
    otherwise: ['People are added with ', el('code', { class: 'nowrap' }, 'npm run users -- create'), '.'],
  },
};

function item(id, done, detail) {
  const step = STEPS[id];
  const how = pages.has(step.page) ? el('a', { href: step.page }, step.label) : el('span', { class: 'muted' }, ...step.otherwise);
  return el('li', { class: done ? 'done' : 'todo', dataset: { step: id, done: String(done) } },
    el('span', { class: 'mark', 'aria-hidden': 'true' }, done ? '✓' : '○'),
    el('div', {},
      el('h2', { class: 'step' }, step.title, el('span', { class: 'visually-hidden' }, done ? ' (done)' : ' (to do)')),
      el('p', { class: 'muted' }, detail.charAt(0).toUpperCase() + detail.slice(1) + '.'),
      el('p', {}, how)));
}

async function start() {
  await setupHeader();
  const [list, users] = await Promise.all([api('/api/v1/admin/get-started'), api('/api/v1/admin/users')]);
  const others = users.filter((u) => !u.grants.some((g) => g.role === 'admin'));
  const items = list.items.map((i) => item(i.id, i.done, i.detail));
  items.push(item('people', others.length > 0, others.length > 0 ? `${others.length} ${others.length === 1 ? 'person' : 'people'} besides the admins` : 'only admins so far'));
  $('checklist').replaceChildren(...items);
  $('content').setAttribute('aria-busy', 'false');
}

start().catch(pageError);
