import type { PageLocale } from './locale.js';
import { ENGLISH, translator } from './messages.js';
import { attr, shell } from './views.js';
import { adminTranslator } from './admin-messages.js';
import { adminNav, type NavLink } from './views-admin-nav.js';

export type { NavLink };

/**
 * The shells of the first-run, account and admin pages (issue 16), in views.ts's style: no data, no inline script
 * or style; each loads one module from /assets. Labels on every input, `<id>-error` next to each field, a status
 * region per form.
 */

const field = (id: string, label: string, extra: string, hint?: string) => `<div class="field">
<label for="${id}">${label}</label>
<input id="${id}" name="${id}" ${extra.includes('data-field=') ? '' : `data-field="${id}" `}${extra} aria-describedby="${hint ? `${id}-hint ` : ''}${id}-error">
${hint ? `<p class="hint" id="${id}-hint">${hint}</p>\n` : ''}<p class="error" id="${id}-error" hidden></p>
</div>`;

/** `<code>` in a message (its tag), for the few sentences that name a command. */
const code = (cls = '') => (chunks: string[]) => `<code${cls ? ` class="${cls}"` : ''}>${chunks.join('')}</code>`;

export function setupPage(locale: PageLocale = ENGLISH): string {
  const t = translator(locale);
  return shell({
    locale,
    title: t('setup.title'),
    script: 'setup.js',
    body: `<section class="card narrow" aria-labelledby="setup-h">
<h1 id="setup-h">${t('setup.heading')}</h1>
<p>${t('setup.intro', { code: code('nowrap') })}</p>
<form id="setup-form" novalidate>
${field('token', t('setup.token'), 'autocomplete="off" autocapitalize="none" spellcheck="false" required', t('setup.tokenHint', { code: code() }))}
${field('name', t('setup.name'), 'autocomplete="name" required')}
${field('username', t('login.username'), 'autocomplete="username" autocapitalize="none" spellcheck="false" required', t('setup.usernameHint'))}
${field('password', t('login.password'), 'type="password" autocomplete="new-password" required', t('setup.passwordHint'))}
<p class="error" id="setup-form-error" hidden></p>
<button type="submit">${t('setup.submit')}</button>
<p id="setup-status" class="status-line" role="status" aria-live="polite"></p>
</form>
</section>`,
  });
}

/**
 * `pages`: which of the pages the checklist links to exist on this server (the others get a plain explanation). In the
 * page's language (issue 18): the operator catalog's words, as get-started.js reads them.
 */
export function getStartedPage(nav: readonly NavLink[], pages: readonly string[], locale: PageLocale = ENGLISH): string {
  const t = adminTranslator(locale);
  return shell({
    locale,
    title: t('admin.nav.start'),
    script: 'get-started.js',
    signedIn: true,
    body: `${adminNav(nav, '/get-started', t)}
<div id="page-error" class="alert" role="alert" hidden></div>
<div id="content" class="stack" aria-busy="true">
<section class="card wide" aria-labelledby="start-h" id="start" data-pages="${attr(pages.join(' '))}">
<h1 id="start-h">${t('admin.nav.start')}</h1>
<p class="muted">${t('start.intro')}</p>
<ol id="checklist" class="checklist"></ol>
</section>
</div>`,
  });
}

/** Everyone's own password; admins also get their navigation. */
export function accountPage(nav: readonly NavLink[] | null, locale: PageLocale = ENGLISH): string {
  const t = translator(locale);
  return shell({
    locale,
    title: t('layout.myPassword'),
    script: 'account.js',
    signedIn: true,
    body: `${nav ? adminNav(nav, '/account', adminTranslator(locale)) : `<p><a href="/">${t('api.back')}</a></p>`}
<section class="card narrow" aria-labelledby="account-h">
<h1 id="account-h">${t('account.heading')}</h1>
<form id="password-form" novalidate>
${field('current-password', t('account.current'), 'type="password" data-field="currentPassword" autocomplete="current-password" required')}
${field('new-password', t('account.new'), 'type="password" data-field="newPassword" autocomplete="new-password" required', t('account.newHint'))}
${field('repeat-password', t('account.repeat'), 'type="password" autocomplete="new-password" required')}
<p class="error" id="password-form-error" hidden></p>
<button type="submit">${t('account.submit')}</button>
<p id="password-status" class="status-line" role="status" aria-live="polite"></p>
</form>
</section>`,
  });
}
