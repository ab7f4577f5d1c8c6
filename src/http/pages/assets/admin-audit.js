// The audit log (issue 16): who changed what, newest first, a page at a time.
import { api, enc, pageError, setupHeader } from './api.js';
import { el } from './dom.js';
import { when } from './admin-common.js';
import { t } from './admin-i18n.js';

const $ = (id) => document.getElementById(id);
let before = null;

/** The detail object as a few words: "grant: fleet-manager on fleet north", "name: depot telematics". */
function detailText(detail) {
  if (!detail) return '';
  return Object.entries(detail).filter(([k]) => k !== 'username' && k !== 'name').map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join('; ');
}

/** What it was about, by name where the entry kept one: "user fiona", "token “depot telematics” (5306…)". */
function aboutText(e) {
  if (e.target.kind === 'user' && e.detail && typeof e.detail.username === 'string') return t('audit.user', { name: e.detail.username });
  if (e.target.kind === 'token' && e.detail && typeof e.detail.name === 'string') return t('audit.token', { name: e.detail.name, id: e.target.id });
  return t('audit.target', { kind: e.target.kind, id: e.target.id });
}

function row(e) {
  const who = e.actor.kind === 'user' || e.actor.kind === 'setup' ? e.actor.name : t('audit.actor', { name: e.actor.name, kind: e.actor.kind });
  return el('tr', { dataset: { action: e.action } },
    el('th', { scope: 'row', class: 'nowrap' }, el('time', { datetime: e.at }, when(e.at))),
    el('td', { 'data-label': t('audit.who') }, who),
    el('td', { 'data-label': t('audit.what') }, e.action),
    el('td', { 'data-label': t('audit.about') }, aboutText(e)),
    el('td', { 'data-label': t('audit.details'), class: 'wide-cell' }, detailText(e.detail)));
}

async function more() {
  const page = await api(`/api/v1/admin/audit?limit=50${before ? `&before=${enc(before)}` : ''}`);
  const body = $('audit').tBodies[0];
  if (!before && page.entries.length === 0) body.replaceChildren(el('tr', {}, el('td', { colspan: '5', class: 'muted' }, t('audit.nothing'))));
  else body.append(...page.entries.map(row));
  before = page.nextBefore;
  $('audit-more').hidden = before === null;
  $('audit-status').textContent = t('audit.shown', { count: body.rows.length, all: String(before === null) });
}

$('audit-more').addEventListener('click', () => void more().catch(pageError));

async function start() {
  await setupHeader();
  await more();
  $('content').setAttribute('aria-busy', 'false');
}

start().catch(pageError);
