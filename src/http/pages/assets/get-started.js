// The get-started checklist (issue 16): what exists of what the product needs, each step linked to the page that
// does it. Links only to pages this server has (the server lists them on #start); the rest get a plain explanation.
// In the page's language (issue 18): the operator catalog's words, each step's detail said from the server's phrase.
import { api, pageError, setupHeader } from './api.js';
import { el } from './dom.js';
import { parts, t } from './admin-i18n.js';
import { say } from './admin-phrases.js';

const $ = (id) => document.getElementById(id);
const pages = new Set(($('start').dataset.pages || '').split(' ').filter(Boolean));

const code = (cls) => (chunks) => el('code', cls ? { class: cls } : {}, ...chunks);
const tags = { code: code(), cmd: code('nowrap'), link: (chunks) => el('a', { href: '/admin/tokens' }, ...chunks) };

/** Each step: its title, the page that does it, and what to do where that page does not exist here. */
const STEPS = {
  site: { title: () => t('start.site.title'), page: '/admin/sites', label: () => t('start.site.label'), otherwise: () => parts('start.site.otherwise', tags) },
  tariff: { title: () => t('start.tariff.title'), page: '/admin/tariffs', label: () => t('start.tariff.label'), otherwise: () => parts('start.tariff.otherwise', tags) },
  charger: { title: () => t('start.charger.title'), page: '/admin/stations', label: () => t('start.charger.label'), otherwise: () => parts('start.charger.otherwise', tags) },
  vehicle: {
    title: () => t('start.vehicle.title'), page: '/fleet/vehicles', label: () => t('start.vehicle.label'),
    otherwise: () => parts('start.vehicle.otherwise', { ...tags, request: 'PUT /api/v1/vehicles/{id}' }),
  },
  departure: {
    title: () => t('start.departure.title'), page: '/fleet', label: () => t('start.departure.label'),
    otherwise: () => parts('start.departure.otherwise', { ...tags, request: 'PUT /api/v1/vehicles/{id}/target' }),
  },
  people: { title: () => t('start.people.title'), page: '/admin/users', label: () => t('start.people.label'), otherwise: () => parts('start.people.otherwise', tags) },
};

/** The server's English detail as a sentence ("no site yet" -> "No site yet."), for a phrase this page cannot say. */
const sentence = (detail) => detail.charAt(0).toUpperCase() + detail.slice(1) + '.';

function item(id, done, detail) {
  const step = STEPS[id];
  const how = pages.has(step.page) ? el('a', { href: step.page }, step.label()) : el('span', { class: 'muted' }, ...step.otherwise());
  return el('li', { class: done ? 'done' : 'todo', dataset: { step: id, done: String(done) } },
    el('span', { class: 'mark', 'aria-hidden': 'true' }, done ? '✓' : '○'),
    el('div', {},
      el('h2', { class: 'step' }, step.title(), el('span', { class: 'visually-hidden' }, done ? t('start.done') : t('start.todo'))),
      el('p', { class: 'muted' }, detail),
      el('p', {}, how)));
}

async function start() {
  await setupHeader();
  const [list, users] = await Promise.all([api('/api/v1/admin/get-started'), api('/api/v1/admin/users')]);
  const others = users.filter((u) => !u.grants.some((g) => g.role === 'admin'));
  const items = list.items.map((i) => item(i.id, i.done, say(i.phrase, sentence(i.detail))));
  items.push(item('people', others.length > 0, others.length > 0 ? t('start.people.some', { count: others.length }) : t('start.people.none')));
  $('checklist').replaceChildren(...items);
  $('content').setAttribute('aria-busy', 'false');
}

start().catch(pageError);
