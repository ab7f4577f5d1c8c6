// Price sources on the tariffs page (issue 16): list, add, edit, remove and "fetch now". Credentials are written here
// and never shown again: the list says only whether one is set, and leaving the field empty keeps the stored one.
import { api, clearErrors, enc, fieldError, messageOf, showError } from './api.js';
import { el } from './dom.js';
import { when } from './admin-common.js';
import { t } from './admin-i18n.js';

const $ = (id) => document.getElementById(id);
const form = $('source-form');
let state = { sources: [], zones: [], kinds: [] };

function fetchText(r) {
  if (!r) return t('sources.notYet');
  if (!r.ok) return t('sources.failed', { when: when(r.at), code: r.code, message: r.message });
  return t('sources.lastFetch', { when: when(r.at), prices: r.prices, currency: r.currency, first: when(r.first), last: when(r.last) });
}

function secretsText(s) {
  const names = Object.keys(s.secrets);
  if (names.length === 0) return t('sources.noneNeeded');
  return names.map((n) => t(s.secrets[n] ? 'sources.secretSet' : 'sources.secretMissing', { name: n })).join(', ');
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
    : set ? t('sources.secretKeep', { name: names[0] }) : t('sources.secretOf', { name: names[0] });
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
    : [el('tr', {}, el('td', { colspan: '5' }, t('sources.none')))]));
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
    if (!id) return fieldError(form, $('source-id'), t('sources.giveId'));
    let settings;
    try {
      settings = JSON.parse($('source-settings').value || '{}');
    } catch (err) {
      return fieldError(form, $('source-settings'), t('tariffs.badJson', { message: err.message }));
    }
    const body = { ...settings, kind: $('source-kind').value, zone: $('source-zone').value };
    const secret = $('source-secret').value;
    if (secret && $('source-secret').dataset.name) body[$('source-secret').dataset.name] = secret;
    try {
      const saved = await api(`/api/v1/admin/price-sources/${enc(id)}`, { method: 'PUT', json: body });
      await load();
      $('source-id').value = id;
      edit(id);
      status.textContent = t('sources.saved', { id: saved.id, secrets: secretsText(saved) });
    } catch (err) {
      const input = showError(form, err, status);
      if (!input) fieldError(form, $('source-settings'), messageOf(err));
    }
  });

  $('fetch-source').addEventListener('click', async () => {
    clearErrors(form);
    const id = $('source-id').value.trim();
    status.textContent = t('sources.fetching', { id });
    try {
      const r = await api(`/api/v1/admin/price-sources/${enc(id)}/fetch`, { method: 'POST' });
      status.textContent = r.ok
        ? t('sources.fetched', { id, prices: r.prices, currency: r.currency, first: when(r.first), last: when(r.last) })
        : t('sources.fetchError', { id, message: r.message, code: r.code, retryable: String(Boolean(r.retryable)) });
      await load();
      if (r.ok) await onFetched();
    } catch (err) {
      showError(form, err, status);
    }
  });

  $('delete-source').addEventListener('click', async () => {
    const id = $('source-id').value.trim();
    if (!id || !window.confirm(t('sources.confirmRemove', { id }))) return;
    try {
      await api(`/api/v1/admin/price-sources/${enc(id)}`, { method: 'DELETE' });
      await load();
      status.textContent = t('sources.removed', { id });
    } catch (err) {
      showError(form, err, status);
    }
  });
}
