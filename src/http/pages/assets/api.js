// The pages' one way to the API: same-origin fetch with the session cookie, the CSRF token from /api/v1/me on
// unsafe methods, and errors as ApiError carrying the ErrorBody (code, message, field, issues).

import { language, t } from './i18n.js';
import { byCode } from './phrases.js';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    super(body && typeof body === 'object' && body.message ? body.message : t('api.serverAnswered', { status: String(status) }));
    this.name = 'ApiError';
    this.status = status;
    this.code = (body && body.code) || `HTTP_${status}`;
    this.field = (body && body.field) || null;
    this.issues = (body && body.issues) || [];
    // Which case of the code (AUTH_INVALID: wrong-credentials, session-ended, token-invalid), when the server says.
    this.reason = (body && typeof body.reason === 'string' && body.reason) || null;
    this.retryAfter = retryAfter ? Number(retryAfter) : null;
  }
}

let mePromise = null;

/** Who is logged in (and the session's CSRF token); fetched once per page. */
export function me(fresh = false) {
  if (!mePromise || fresh) {
    mePromise = api('/api/v1/me').catch((err) => {
      mePromise = null;
      throw err;
    });
  }
  return mePromise;
}

export function goToLogin() {
  const next = location.pathname + location.search;
  location.assign(`/login?next=${encodeURIComponent(next)}`);
}

/**
 * Calls the API. `json` is sent as JSON; `body` with `contentType` as is. A 401 sends the person to the login
 * page (unless `on401: 'throw'`); any other failure throws ApiError.
 */
export async function api(path, { method = 'GET', json, body, contentType, csrf = true, on401 = 'login', retried = false, ifMatch } = {}) {
  const headers = { accept: 'application/json' };
  // If-Match: the version an edit is based on (a site's export ETag); a changed resource answers 409.
  if (ifMatch) headers['if-match'] = ifMatch;
  if (json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (contentType) {
    headers['content-type'] = contentType;
  }
  if (csrf && UNSAFE.has(method)) {
    const who = await me();
    if (who.csrfToken) headers['x-csrf-token'] = who.csrfToken;
  }
  const res = await fetch(path, { method, headers, body, credentials: 'same-origin', cache: 'no-store' });
  const type = res.headers.get('content-type') || '';
  const data = res.status === 204 ? null : type.includes('json') ? await res.json().catch(() => null) : await res.text();
  if (res.ok) return data;
  if (res.status === 401 && on401 === 'login') {
    goToLogin();
    // The page is going away; nothing after this should render.
    return new Promise(() => {});
  }
  // A session that was renewed in another tab has a new CSRF token: fetch it once and try again.
  if (res.status === 403 && data && data.code === 'CSRF_INVALID' && !retried) {
    await me(true);
    return api(path, { method, json, body: json === undefined ? body : undefined, contentType, csrf, on401, retried: true, ifMatch });
  }
  throw new ApiError(res.status, data, res.headers.get('retry-after'));
}

export const enc = encodeURIComponent;

// ---- errors next to fields ------------------------------------------------------------------------------------

/** The input an ErrorBody's `field` names ("departure", "body.departure", "rows[3].energyKwh"), if the form has it. */
function fieldElement(form, field) {
  if (!field) return null;
  const names = [field, field.replace(/^body[./]/, ''), field.split(/[.\]/[]/).filter(Boolean).pop()];
  for (const name of names) {
    const el = form.querySelector(`[data-field~="${CSS.escape(name)}"]`);
    if (el) return el;
  }
  return null;
}

export function clearErrors(form) {
  for (const el of form.querySelectorAll('.error')) {
    el.textContent = '';
    el.hidden = true;
  }
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

/** A server message as a sentence: "the departure must..." -> "The departure must...". */
export function sentence(text) {
  const t = String(text || '').trim();
  if (!t) return t;
  const s = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?)]$/.test(s) ? s : `${s}.`;
}

/** Puts a message next to its field (or under the form) and marks the field invalid. */
export function fieldError(form, input, message) {
  const target = (input && document.getElementById(`${input.id}-error`)) || form.querySelector(`#${form.id}-error`);
  if (target) {
    target.textContent = sentence(message);
    target.hidden = false;
  }
  if (input) input.setAttribute('aria-invalid', 'true');
}

/**
 * Shows an error from the API next to the field it names, and in the form's status region so that screen
 * readers announce it. Returns the field's input (focused) or null.
 */
export function showError(form, err, status) {
  const message = messageOf(err);
  const input = err instanceof ApiError ? fieldElement(form, err.field) : null;
  fieldError(form, input, message);
  if (status) status.textContent = t('api.notSaved', { message });
  if (input) input.focus();
  return input;
}

/**
 * An API error in the page's language by its stable code (issue 18: server.error.<CODE> in the catalogs), or by its
 * code and reason where the server tells one code's cases apart (server.error.<CODE>.<reason>); the server's English
 * message for a code the catalog lacks. On English pages an error about one field keeps the server's message, which
 * names the field and the rule.
 */
export function errorWords(err) {
  if (!(err instanceof ApiError)) return String((err && err.message) || err);
  if (err.field && language === 'en') return err.message;
  return (err.reason && byCode('error', `${err.code}.${err.reason}`)) || byCode('error', err.code) || err.message;
}

export function messageOf(err) {
  if (err instanceof ApiError) {
    const message = errorWords(err);
    if (err.status === 429 && err.retryAfter) return t('api.retry', { message, seconds: err.retryAfter });
    if (err.status === 403 && err.code !== 'CSRF_INVALID') return t('api.notAllowed', { message });
    return message;
  }
  if (err instanceof TypeError) return t('api.unreachable');
  return String((err && err.message) || err);
}

/** A message for the whole page: hides the content, so nothing half-loaded or foreign is left on screen. */
export function pageError(err) {
  const box = document.getElementById('page-error');
  const content = document.getElementById('content');
  if (content) content.hidden = true;
  if (!box) return;
  const text =
    err instanceof ApiError && err.status === 403
      ? t('api.noAccess', { message: sentence(errorWords(err)) })
      : err instanceof ApiError && err.status === 404
        ? t('api.notFound', { message: sentence(errorWords(err)) })
        : sentence(messageOf(err));
  const back = document.createElement('a');
  back.href = '/';
  back.textContent = t('api.back');
  const p = document.createElement('p');
  p.append(back);
  box.replaceChildren(text, p);
  box.hidden = false;
}

// ---- the header ----------------------------------------------------------------------------------------------

/** Fills in who is logged in and wires the log-out button; resolves to /api/v1/me. */
export async function setupHeader() {
  const who = await me();
  const name = document.getElementById('who');
  if (name) name.textContent = who.name || who.id;
  const out = document.getElementById('logout');
  if (out) {
    // An API token (no cookie session) has nothing to log out of.
    out.hidden = who.kind !== 'user';
    out.addEventListener('click', async () => {
      out.disabled = true;
      try {
        await api('/api/v1/session', { method: 'DELETE', on401: 'throw' });
      } catch {
        // Logged out already, or the server is away: the login page is the right place either way.
      }
      location.assign('/login');
    });
  }
  return who;
}

/** Runs `fn` at most once at a time; calls while it runs make it run once more afterwards (live event storms). */
export function coalesce(fn) {
  let running = null;
  let again = false;
  const run = async () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await fn();
      } while (again);
    })().finally(() => {
      running = null;
    });
    return running;
  };
  return run;
}
