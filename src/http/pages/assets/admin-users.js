// People (issue 16): every user with roles and state; "Manage" opens one person's roles, password and account
// state; a form adds a person. Each change goes through /api/v1/admin/users and lands in the audit log.
import { api, clearErrors, enc, fieldError, pageError, setupHeader, showError } from './api.js';
import { el } from './dom.js';
import { fillRoles, grantText, tieScope } from './admin-common.js';
import { t } from './admin-i18n.js';

const $ = (id) => document.getElementById(id);
const state = { users: [], selected: null, me: null };

function row(u) {
  const manage = el('button', { type: 'button', class: 'secondary small', onclick: () => select(u.id) }, t('users.manage'));
  manage.setAttribute('aria-label', t('users.manageNamed', { name: u.name }));
  return el('tr', { dataset: { username: u.username } },
    el('th', { scope: 'row' }, u.name),
    el('td', { 'data-label': t('admin.username') }, u.username),
    el('td', { 'data-label': t('admin.roles'), class: 'wide-cell' }, u.grants.length ? u.grants.map(grantText).join(', ') : el('span', { class: 'muted' }, t('users.noneYet'))),
    el('td', { 'data-label': t('admin.state') }, u.disabledAt ? el('span', { class: 'badge bad' }, t('users.disabled')) : el('span', { class: 'badge ok' }, t('admin.active'))),
    el('td', { 'data-label': t('admin.actions') }, manage));
}

async function reload() {
  state.users = await api('/api/v1/admin/users');
  $('users').tBodies[0].replaceChildren(...state.users.map(row));
  if (state.selected) show(state.users.find((u) => u.id === state.selected));
}

function select(id) {
  state.selected = id;
  for (const f of ['grant-form', 'reset-form', 'state-form']) {
    clearErrors($(f));
    $(f.replace('-form', '-status')).textContent = '';
  }
  show(state.users.find((u) => u.id === id));
  $('manage').hidden = false;
  $('manage-h').focus();
}

/** The manage panel for one person: their roles (each removable), password reset, disable or re-enable. */
function show(u) {
  if (!u) return;
  $('manage-name').textContent = u.name;
  $('manage-grants').replaceChildren(...(u.grants.length ? u.grants.map((g) => {
    const remove = el('button', { type: 'button', class: 'link', onclick: () => void removeGrant(u, g) }, t('stations.remove'));
    remove.setAttribute('aria-label', t('users.removeGrant', { grant: grantText(g), name: u.name }));
    return el('li', {}, grantText(g), ' ', remove);
  }) : [el('li', { class: 'muted' }, t('users.noRole'))]));
  $('state-text').textContent = u.disabledAt ? t('users.disabledText') : t('users.activeText');
  $('state-button').textContent = u.disabledAt ? t('users.enable') : t('users.disable');
  $('state-button').className = u.disabledAt ? 'secondary' : 'secondary danger';
}

async function removeGrant(u, g) {
  const status = $('grant-status');
  status.textContent = t('users.removing');
  try {
    await api(`/api/v1/admin/users/${enc(u.id)}/grants?role=${enc(g.role)}&scopeId=${enc(g.scopeId)}`, { method: 'DELETE' });
    status.textContent = t('users.removed', { grant: grantText(g) });
    await reload();
  } catch (err) {
    showError($('grant-form'), err, null);
    status.textContent = t('users.notRemoved');
  }
}

/** Runs a form's request with its button disabled; the message once, next to the field it names. */
function onSubmit(formId, run) {
  const form = $(formId);
  const status = $(formId.replace('-form', '-status'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    status.textContent = t('common.saving');
    try {
      status.textContent = await run(form);
      await reload();
    } catch (err) {
      if (err.local) {
        fieldError(form, err.local, err.message);
        err.local.focus();
      } else showError(form, err, null);
      status.textContent = t(err.local ? 'users.notSavedField' : 'users.notSavedAbove');
    } finally {
      button.disabled = false;
    }
  });
}

/** A check in the page, before asking the server: the field and what is wrong. */
function local(input, message) {
  return Object.assign(new Error(message), { local: input });
}

onSubmit('add-form', async () => {
  const name = $('add-name').value.trim();
  const username = $('add-username').value.trim();
  const password = $('add-password').value;
  const scopeId = $('add-scope').value.trim();
  if (!name) throw local($('add-name'), t('users.enterName'));
  if (!username) throw local($('add-username'), t('users.chooseUsername'));
  if ([...password].length < 12) throw local($('add-password'), t('users.passwordLength'));
  if (!scopeId) throw local($('add-scope'), t('admin.scopeNeeded'));
  const user = await api('/api/v1/admin/users', { method: 'POST', json: { name, username, password, grants: [{ role: $('add-role').value, scopeId }] } });
  $('add-form').reset();
  $('add-role').dispatchEvent(new Event('change'));
  return t('users.added', { name: user.name, username: user.username });
});

onSubmit('grant-form', async () => {
  const scopeId = $('grant-scope').value.trim();
  if (!scopeId) throw local($('grant-scope'), t('admin.scopeNeeded'));
  const u = await api(`/api/v1/admin/users/${enc(state.selected)}/grants`, { method: 'POST', json: { role: $('grant-role').value, scopeId } });
  return t('users.nowHas', { name: u.name, grants: u.grants.map(grantText).join(', ') });
});

onSubmit('reset-form', async () => {
  const password = $('reset-password').value;
  if ([...password].length < 12) throw local($('reset-password'), t('users.passwordLength'));
  await api(`/api/v1/admin/users/${enc(state.selected)}/password`, { method: 'PUT', json: { password } });
  $('reset-password').value = '';
  return t('users.reset');
});

onSubmit('state-form', async () => {
  const u = state.users.find((x) => x.id === state.selected);
  const after = await api(`/api/v1/admin/users/${enc(u.id)}`, { method: 'PATCH', json: { disabled: !u.disabledAt } });
  return t(after.disabledAt ? 'users.isDisabled' : 'users.isActive', { name: after.name });
});

async function start() {
  state.me = await setupHeader();
  await fillRoles($('add-role'), $('grant-role'));
  tieScope($('add-role'), $('add-scope'));
  tieScope($('grant-role'), $('grant-scope'));
  await reload();
  $('content').setAttribute('aria-busy', 'false');
}

start().catch(pageError);
