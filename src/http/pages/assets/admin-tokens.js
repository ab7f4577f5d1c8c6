// API tokens (issue 16): create one with a role over a scope and an expiry (shown once), list all of them, revoke.
// Uses the token routes every user has (/api/v1/tokens); an admin sees and revokes every token there.
import { api, clearErrors, enc, fieldError, pageError, setupHeader, showError } from './api.js';
import { el } from './dom.js';
import { fillRoles, grantText, tieScope, when } from './admin-common.js';
import { t as tr } from './admin-i18n.js';

const $ = (id) => document.getElementById(id);

function stateOf(t) {
  if (t.revokedAt) return el('span', { class: 'badge bad' }, tr('tokens.revoked'));
  // The server says whether it has expired (its clock decides, as it does when the token is used).
  if (t.expired) return el('span', { class: 'badge bad' }, tr('tokens.expired'));
  return el('span', { class: 'badge ok' }, tr('admin.active'));
}

function row(t) {
  const revoke = t.revokedAt ? '' : el('button', { type: 'button', class: 'secondary small', onclick: () => void revokeToken(t) }, tr('tokens.revoke'));
  if (revoke) revoke.setAttribute('aria-label', tr('tokens.revokeNamed', { name: t.name }));
  return el('tr', { dataset: { id: t.id } },
    el('th', { scope: 'row' }, t.name),
    el('td', { 'data-label': tr('admin.roles'), class: 'wide-cell' }, t.grants.map(grantText).join(', ') || '—'),
    el('td', { 'data-label': tr('tokens.created') }, when(t.createdAt)),
    el('td', { 'data-label': tr('tokens.expires') }, t.expiresAt ? when(t.expiresAt) : tr('admin.never')),
    el('td', { 'data-label': tr('tokens.lastUsed') }, when(t.lastUsedAt)),
    el('td', { 'data-label': tr('admin.state') }, stateOf(t)),
    el('td', { 'data-label': tr('admin.actions') }, revoke));
}

async function reload() {
  const tokens = await api('/api/v1/tokens');
  // Newest first: the one just made is on top.
  tokens.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  $('tokens').tBodies[0].replaceChildren(...(tokens.length ? tokens.map(row) : [el('tr', {}, el('td', { colspan: '7', class: 'muted' }, tr('tokens.none')))]));
}

async function revokeToken(t) {
  const status = $('tokens-status');
  status.textContent = tr('tokens.revoking', { name: t.name });
  try {
    await api(`/api/v1/tokens/${enc(t.id)}`, { method: 'DELETE' });
    status.textContent = tr('tokens.revokedStatus', { name: t.name });
    await reload();
  } catch (err) {
    status.textContent = tr('tokens.notRevoked', { message: err.message });
  }
}

const form = $('token-form');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(form);
  const status = $('token-status');
  const name = $('token-name').value.trim();
  const scopeId = $('token-scope').value.trim();
  const days = $('token-days').value.trim();
  const bad = !name ? [$('token-name'), tr('tokens.sayWhat')]
    : !scopeId ? [$('token-scope'), tr('admin.scopeNeeded')]
    : days && !(Number.isInteger(Number(days)) && Number(days) >= 1 && Number(days) <= 3650) ? [$('token-days'), tr('tokens.days')]
    : null;
  if (bad) {
    fieldError(form, bad[0], bad[1]);
    bad[0].focus();
    status.textContent = tr('tokens.notCreatedField');
    return;
  }
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  status.textContent = tr('tokens.creating');
  try {
    const made = await api('/api/v1/tokens', {
      method: 'POST', json: { name, grants: [{ role: $('token-role').value, scopeId }], ...(days ? { expiresInDays: Number(days) } : {}) },
    });
    $('token-value').textContent = made.token;
    $('token-once').hidden = false;
    status.textContent = tr('tokens.createdStatus', { name: made.name });
    form.reset();
    $('token-role').dispatchEvent(new Event('change'));
    await reload();
  } catch (err) {
    showError(form, err, null);
    status.textContent = tr('tokens.notCreated');
  } finally {
    button.disabled = false;
  }
});

async function start() {
  await setupHeader();
  await fillRoles($('token-role'));
  tieScope($('token-role'), $('token-scope'));
  await reload();
  $('content').setAttribute('aria-busy', 'false');
}

start().catch(pageError);
