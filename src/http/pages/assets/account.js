// Your own password (issue 16): the current one, the new one twice. Other sessions end; this one stays.
import { t } from './i18n.js';
import { api, ApiError, clearErrors, fieldError, setupHeader, showError } from './api.js';

const $ = (id) => document.getElementById(id);
const form = $('password-form');
const status = $('password-status');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(form);
  status.textContent = '';
  const currentPassword = $('current-password').value;
  const newPassword = $('new-password').value;
  const bad = !currentPassword ? [$('current-password'), t('account.errCurrent')]
    : [...newPassword].length < 12 ? [$('new-password'), t('setup.errPassword')]
    : $('repeat-password').value !== newPassword ? [$('repeat-password'), t('account.errDiffer')]
    : null;
  if (bad) {
    fieldError(form, bad[0], bad[1]);
    bad[0].focus();
    status.textContent = t('account.notChangedCheck');
    return;
  }
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  status.textContent = t('account.changing');
  try {
    await api('/api/v1/me/password', { method: 'PUT', json: { currentPassword, newPassword } });
    form.reset();
    status.textContent = t('account.changed');
  } catch (err) {
    // A wrong current password is a 400 on the field currentPassword (a stable name, not the English): said in the
    // page's language. A login session that ended is a 401 (AUTH_INVALID, reason session-ended): api() goes to login.
    if (err instanceof ApiError && err.status === 400 && err.field === 'currentPassword') {
      fieldError(form, $('current-password'), t('account.errWrongCurrent'));
      $('current-password').select();
      $('current-password').focus();
    } else {
      showError(form, err, null);
    }
    status.textContent = t('account.notChanged');
  } finally {
    button.disabled = false;
  }
});

void setupHeader();
