// The login form: posts JSON to /api/v1/session, then goes where the person was going (one of our pages, as the
// server checked it) or to /, which picks their page by role.
import { api, clearErrors, fieldError, messageOf, showError } from './api.js';

const form = document.getElementById('login-form');
const status = document.getElementById('login-status');
const username = document.getElementById('username');
const password = document.getElementById('password');

/**
 * Where to go afterwards: the server checked `?next=` (src/http/auth/next-path.ts: one of our own pages, else "/")
 * and put the result on the form; this script never reads the address bar itself (issue 20, finding 5). The
 * same-origin test below only guards against a page served without the attribute.
 */
function nextPath() {
  const next = form.dataset.next || '/';
  const url = new URL(next, location.origin);
  return url.origin === location.origin && next.startsWith('/') && !/[\\\s]/.test(next) && !next.startsWith('//') ? next : '/';
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(form);
  status.textContent = '';
  let missing = null;
  if (!password.value) {
    fieldError(form, password, 'Enter your password.');
    missing = password;
  }
  if (!username.value.trim()) {
    fieldError(form, username, 'Enter your username.');
    missing = username;
  }
  if (missing) {
    status.textContent = 'Fill in both fields.';
    missing.focus();
    return;
  }
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  status.textContent = 'Logging in…';
  try {
    await api('/api/v1/session', { method: 'POST', json: { username: username.value.trim(), password: password.value }, csrf: false, on401: 'throw' });
    status.textContent = 'Logged in.';
    location.assign(nextPath());
  } catch (err) {
    if (err.status === 401) {
      // Which of the two was wrong is not said (it would tell who has an account here).
      fieldError(form, password, messageOf(err) || 'Wrong username or password.');
      status.textContent = `Not logged in: ${messageOf(err)}`;
      password.select();
      password.focus();
    } else {
      showError(form, err, status);
    }
    button.disabled = false;
  }
});
