// The first-run page (issue 16): the token from the printed link (#token=..., never sent to the server by the
// browser) and the first admin's name, username and password; on success the person is logged in and goes to the
// get-started checklist.
import { t } from './i18n.js';
import { api, ApiError, clearErrors, fieldError, messageOf, showError } from './api.js';

const form = document.getElementById('setup-form');
const status = document.getElementById('setup-status');
const $ = (id) => document.getElementById(id);

/** The token from the link's fragment, or from a pasted link or token. */
function tokenOf(text) {
  const t = String(text || '').trim();
  const m = /[#&?]token=([A-Za-z0-9_-]+)/.exec(t);
  return m ? m[1] : t;
}

function readLink() {
  const fromLink = tokenOf(location.hash);
  if (!fromLink) return;
  $('token').value = fromLink;
  // Out of the address bar (and the history) at once: the token is a secret until it is used.
  history.replaceState(null, '', location.pathname);
}
readLink();
// The link opened while this page is open already (/ led here): only the fragment changes, nothing reloads.
window.addEventListener('hashchange', readLink);

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(form);
  status.textContent = '';
  const token = tokenOf($('token').value);
  const name = $('name').value.trim();
  const username = $('username').value.trim();
  const password = $('password').value;
  const missing = [];
  if (!token) missing.push([$('token'), t('setup.errToken')]);
  if (!name) missing.push([$('name'), t('setup.errName')]);
  if (!username) missing.push([$('username'), t('setup.errUsername')]);
  if ([...password].length < 12) missing.push([$('password'), t('setup.errPassword')]);
  if (missing.length) {
    for (const [input, message] of missing) fieldError(form, input, message);
    status.textContent = t('setup.notCreatedCheck');
    missing[0][0].focus();
    return;
  }
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  status.textContent = t('setup.creating');
  try {
    await api('/api/v1/setup', { method: 'POST', json: { token, name, username, password }, csrf: false, on401: 'throw' });
    status.textContent = t('setup.created');
    location.assign('/get-started');
  } catch (err) {
    if (err instanceof ApiError && err.code === 'SETUP_DONE') {
      status.textContent = `${messageOf(err)}.`;
      location.assign('/login');
      return;
    }
    // The message once, next to the field it is about (or under the form); the status line only says the outcome.
    showError(form, err, null);
    status.textContent = t('setup.notCreated');
    button.disabled = false;
  }
});
