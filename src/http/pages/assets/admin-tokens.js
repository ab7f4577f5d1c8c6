// API tokens (issue 16): create one with a role over a scope and an expiry (shown once), list all of them, revoke.
// Uses the token routes every user has (/api/v1/tokens); an admin sees and revokes every token there.
import { api, clearErrors, enc, fieldError, pageError, setupHeader, showError } from './api.js';
import { el } from './dom.js';
import { fillRoles, grantText, tieScope, when } from './admin-common.js';

const $ = (id) => document.getElementById(id);

function stateOf(t) {
  if (t.revokedAt) return el('span', { class: 'badge bad' }, 'revoked');
  // The server says whether it has expired (its clock decides, as it does when the token is used).
  if (t.expired) return el('span', { class: 'badge bad' }, 'expired');
  return el('span', { class: 'badge ok' }, 'active');
}

function row(t) {
  const revoke = t.revokedAt ? '' : el('button', { type: 'button', class: 'secondary small', onclick: () => void revokeToken(t) }, 'Revoke');
  if (revoke) revoke.setAttribute('aria-label', `Revoke ${t.name}`);
  return el('tr', { dataset: { id: t.id } },
    el('th', { scope: 'row' }, t.name),
    el('td', { 'data-label': 'Roles', class: 'wide-cell' }, t.grants.map(grantText).join(', ') || '—'),
    el('td', { 'data-label': 'Created' }, when(t.createdAt)),
    el('td', { 'data-label': 'Expires' }, t.expiresAt ? when(t.expiresAt) : 'never'),
    el('td', { 'data-label': 'Last used' }, when(t.lastUsedAt)),
    el('td', { 'data-label': 'State' }, stateOf(t)),
    el('td', { 'data-label': 'Actions' }, revoke));
}

async function reload() {
  const tokens = await api('/api/v1/tokens');
  // Newest first: the one just made is on top.
  tokens.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  $('tokens').tBodies[0].replaceChildren(...(tokens.length ? tokens.map(row) : [el('tr', {}, el('td', { colspan: '7', class: 'muted' }, 'No API token yet.'))]));
}

async function revokeToken(t) {
  const status = $('tokens-status');
  status.textContent = `Revoking ${t.name}…`;
  try {
    await api(`/api/v1/tokens/${enc(t.id)}`, { method: 'DELETE' });
    status.textContent = `Revoked ${t.name}: it stops working at once.`;
    await reload();
  } catch (err) {
    status.textContent = `Not revoked: ${err.message}`;
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
  const bad = !name ? [$('token-name'), 'Say what the token is for.']
    : !scopeId ? [$('token-scope'), 'Enter the fleet, home or price zone, or * for all.']
    : days && !(Number.isInteger(Number(days)) && Number(days) >= 1 && Number(days) <= 3650) ? [$('token-days'), 'Whole days from 1 to 3650, or empty for no expiry.']
    : null;
  if (bad) {
    fieldError(form, bad[0], bad[1]);
    bad[0].focus();
    status.textContent = 'Not created: check the marked field.';
    return;
  }
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  status.textContent = 'Creating…';
  try {
    const made = await api('/api/v1/tokens', {
      method: 'POST', json: { name, grants: [{ role: $('token-role').value, scopeId }], ...(days ? { expiresInDays: Number(days) } : {}) },
    });
    $('token-value').textContent = made.token;
    $('token-once').hidden = false;
    status.textContent = `Created ${made.name}. Copy it now: it is not shown again.`;
    form.reset();
    $('token-role').dispatchEvent(new Event('change'));
    await reload();
  } catch (err) {
    showError(form, err, null);
    status.textContent = 'Not created.';
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
