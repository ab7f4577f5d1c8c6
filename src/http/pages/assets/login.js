// The login form: posts JSON to /api/v1/session, then goes where the person was going (one of our pages, as the
// server checked it) or to /, which picks their page by role. While no account exists at all, it says where the
// first one comes from (the setup page, with the link the server printed).
import { parts, t } from './i18n.js';
import { api, clearErrors, fieldError, messageOf } from './api.js';
import { el } from './dom.js';

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

/** No account yet: a note above the form, pointing at the setup page (issue 16). */
async function firstRunHint() {
  const state = await api('/api/v1/setup', { on401: 'throw' }).catch(() => null);
  if (!state || !state.needed) return;
  const code = (chunks) => el('code', { class: 'nowrap' }, ...chunks);
  const note = el('div', { class: 'alert', id: 'first-run' },
    el('p', {}, ...parts('login.firstRun', { link: (chunks) => el('a', { href: '/setup' }, ...chunks), code })),
    el('p', {}, ...parts('login.scripted', { code })));
  form.before(note);
}
void firstRunHint();

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(form);
  status.textContent = '';
  let missing = null;
  if (!password.value) {
    fieldError(form, password, t('login.errPassword'));
    missing = password;
  }
  if (!username.value.trim()) {
    fieldError(form, username, t('login.errUsername'));
    missing = username;
  }
  if (missing) {
    missing.focus();
    return;
  }
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  status.textContent = t('login.loggingIn');
  try {
    await api('/api/v1/session', { method: 'POST', json: { username: username.value.trim(), password: password.value }, csrf: false, on401: 'throw' });
    status.textContent = t('login.loggedIn');
    location.assign(nextPath());
  } catch (err) {
    // The message is said once, next to the field (issue 16: it was also repeated in the status line); the status
    // line says only the outcome.
    status.textContent = t('login.notLoggedIn');
    if (err.status === 401) {
      // Which of the two was wrong is not said (it would tell who has an account here): both fields are marked. The
      // sentence comes from the error's code and reason (AUTH_INVALID, wrong-credentials) in the page's language; a
      // 401 without a reason (a rate limit's is 429) is the plain "wrong username or password".
      fieldError(form, password, err.reason ? messageOf(err) : t('login.wrong'));
      username.setAttribute('aria-invalid', 'true');
      password.select();
      password.focus();
    } else {
      fieldError(form, null, messageOf(err));
    }
    button.disabled = false;
  }
});
