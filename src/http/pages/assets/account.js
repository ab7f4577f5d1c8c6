// Your own password (issue 16): the current one, the new one twice. Other sessions end; this one stays.
import { api, clearErrors, fieldError, setupHeader, showError } from './api.js';

const $ = (id) => document.getElementById(id);
const form = $('password-form');
const status = $('password-status');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(form);
  status.textContent = '';
  const currentPassword = $('current-password').value;
  const newPassword = $('new-password').value;
  const bad = !currentPassword ? [$('current-password'), 'Enter your current password.']
    : [...newPassword].length < 12 ? [$('new-password'), 'A password has at least 12 characters.']
    : $('repeat-password').value !== newPassword ? [$('repeat-password'), 'The two new passwords differ.']
    : null;
  if (bad) {
    fieldError(form, bad[0], bad[1]);
    bad[0].focus();
    status.textContent = 'Not changed: check the marked field.';
    return;
  }
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  status.textContent = 'Changing…';
  try {
    await api('/api/v1/me/password', { method: 'PUT', json: { currentPassword, newPassword } });
    form.reset();
    status.textContent = 'Password changed. Your other login sessions have ended.';
  } catch (err) {
    showError(form, err, null);
    status.textContent = 'Not changed.';
  } finally {
    button.disabled = false;
  }
});

void setupHeader();
