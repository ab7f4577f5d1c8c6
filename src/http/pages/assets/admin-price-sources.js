// Price sources on the tariffs page (issue 16): list, add, edit, remove and "fetch now". Credentials are written here
// and never shown again: the list says only whether one is set, and leaving the field empty keeps the stored one.
import { api, clearErrors, enc, fieldError, showError } from './api.js';
import { el } from './dom.js';
import { when } from './admin-common.js';

const $ = (id) => document.getElementById(id);
const form = $('source-form');
let state = { sources: [], zones: [], kinds: [] };

function fetchText(r) {
  if (!r) return 'not yet';
  if (!r.ok) return `failed ${when(r.at)}: ${r.code}: ${r.message}`;
  return `${when(r.at)}: ${r.prices} prices in ${r.currency}, ${when(r.first)} to ${when(r.last)}`;
}

function secretsText(s) {
  const names = Object.keys(s.secrets);
  if (names.length === 0) return 'none needed';
  return names.map((n) => `${n} ${s.secrets[n] ? 'set' : 'missing'}`).join(', ');
}

function secretField() {
  const kind = state.kinds.find((k) => k.kind === $('source-kind').value);
  const names = kind ? kind.secrets : [];
  const current = state.sources.find((s) => s.id === $('source-id').value.trim());
  $('source-secret-field').hidden = names.length === 0;
  $('source-secret').value = '';
  $('source-secret').dataset.name = names[0] || '';
  const set = current && current.kind === $('source-kind').value && current.secrets[names[0]];
  $('source-secret-hint').textContent = names.length === 0 ? ''
    : set ? `A ${names[0]} is set. Leave this empty to keep it, or type a new one.` : `The source's ${names[0]}.`;
}

function edit(id) {
  const s = state.sources.find((x) => x.id === id);
  if (!s) return secretField();
  $('source-kind').value = s.kind;
  $('source-zone').value = s.zone;
  $('source-settings').value = JSON.stringify(s.settings, null, 2);
  secretField();
}

async function load() {
  state = await api('/api/v1/admin/price-sources');
  $('sources-table').tBodies[0].replaceChildren(...(state.sources.length ? state.sources.map((s) => el('tr', { dataset: { source: s.id } },
    el('th', { scope: 'row' }, s.id), el('td', {}, s.kind), el('td', {}, s.zone), el('td', {}, secretsText(s)), el('td', {}, fetchText(s.lastFetch))))
    : [el('tr', {}, el('td', { colspan: '5' }, 'No price source yet.'))]));
  $('source-ids').replaceChildren(...state.sources.map((s) => el('option', { value: s.id })));
  const kind = $('source-kind').value;
  const zone = $('source-zone').value;
  $('source-kind').replaceChildren(...state.kinds.map((k) => el('option', { value: k.kind }, k.kind)));
  $('source-zone').replaceChildren(...state.zones.map((z) => el('option', { value: z.id }, `${z.id} (${z.currency})`)));
  if (kind) $('source-kind').value = kind;
  if (zone) $('source-zone').value = zone;
}

/** `onFetched` runs after a fetch that brought prices (the tariff preview redraws). */
export async function startSources(onFetched) {
  await load();
  if (state.sources[0]) $('source-id').value = state.sources[0].id;
  edit(state.sources[0]?.id);
  $('source-id').addEventListener('change', () => edit($('source-id').value.trim()));
  $('source-kind').addEventListener('change', secretField);
  const status = $('source-status');

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const id = $('source-id').value.trim();
    if (!id) return fieldError(form, $('source-id'), 'Give the source an id.');
    let settings;
    try {
      settings = JSON.parse($('source-settings').value || '{}');
    } catch (err) {
      return fieldError(form, $('source-settings'), `The JSON does not parse: ${err.message}`);
    }
    const body = { ...settings, kind: $('source-kind').value, zone: $('source-zone').value };
    const secret = $('source-secret').value;
    if (secret && $('source-secret').dataset.name) body[$('source-secret').dataset.name] = secret;
    try {
      const saved = await api(`/api/v1/admin/price-sources/${enc(id)}`, { method: 'PUT', json: body });
      await load();
      $('source-id').value = id;
      edit(id);
      status.textContent = `Source ${saved.id} saved (${secretsText(saved)}).`;
    } catch (err) {
      const input = showError(form, err, status);
      if (!input) fieldError(form, $('source-settings'), status.textContent.replace(/^Not saved: /, ''));
    }
  });

  $('fetch-source').addEventListener('click', async () => {
    clearErrors(form);
    const id = $('source-id').value.trim();
    status.textContent = `Fetching ${id}…`;
    try {
      const r = await api(`/api/v1/admin/price-sources/${enc(id)}/fetch`, { method: 'POST' });
      status.textContent = r.ok
        ? `Fetched from ${id}: ${r.prices} prices in ${r.currency}, first ${when(r.first)}, last ${when(r.last)}.`
        : `${id} answered with an error: ${r.message} (${r.code}${r.retryable ? ', may work later' : ''}).`;
      await load();
      if (r.ok) await onFetched();
    } catch (err) {
      showError(form, err, status);
    }
  });

  $('delete-source').addEventListener('click', async () => {
    const id = $('source-id').value.trim();
    if (!id || !window.confirm(`Remove price source ${id}?`)) return;
    try {
      await api(`/api/v1/admin/price-sources/${enc(id)}`, { method: 'DELETE' });
      await load();
      status.textContent = `Source ${id} removed.`;
    } catch (err) {
      showError(form, err, status);
    }
  });
}
