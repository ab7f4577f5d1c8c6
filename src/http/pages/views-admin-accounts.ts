import type { PageLocale } from './locale.js';
import { ENGLISH, type Translate } from './messages.js';
import { adminTranslator } from './admin-messages.js';
import { attr, shell } from './views.js';
import { adminNav, type NavLink } from './views-admin-nav.js';

/**
 * The admin pages for people, API tokens and the audit log (issue 16), in the page's language (issue 18), in
 * views-accounts.ts's style: no data, no inline script or style; labels on every input, `<id>-error` beside each
 * field, a status region per form. Their scripts (admin-users.js, admin-tokens.js, admin-audit.js) read the same
 * catalog (assets/i18n-admin/).
 */

const field = (id: string, label: string, extra: string, hint?: string) => `<div class="field">
<label for="${id}">${label}</label>
<input id="${id}" name="${id}" ${extra.includes('data-field=') ? '' : `data-field="${id}" `}${extra} aria-describedby="${hint ? `${id}-hint ` : ''}${id}-error">
${hint ? `<p class="hint" id="${id}-hint">${hint}</p>\n` : ''}<p class="error" id="${id}-error" hidden></p>
</div>`;

const roleSelect = (id: string, t: Translate) => `<div class="field">
<label for="${id}">${t('admin.role.label')}</label>
<select id="${id}" name="role" data-field="role" aria-describedby="${id}-error"></select>
<p class="error" id="${id}-error" hidden></p>
</div>`;

export function adminUsersPage(nav: readonly NavLink[], locale: PageLocale = ENGLISH): string {
  const t = adminTranslator(locale);
  return shell({
    locale,
    title: t('users.title'),
    script: 'admin-users.js',
    signedIn: true,
    body: `${adminNav(nav, '/admin/users', t)}
<div id="page-error" class="alert" role="alert" hidden></div>
<div id="content" class="stack" aria-busy="true">
<section class="card wide" aria-labelledby="users-h">
<h1 id="users-h">${t('users.title')}</h1>
<div class="scroll"><table id="users" class="data cards">
<thead><tr><th scope="col">${t('admin.name')}</th><th scope="col">${t('admin.username')}</th><th scope="col">${t('admin.roles')}</th><th scope="col">${t('admin.state')}</th><th scope="col"><span class="visually-hidden">${t('admin.actions')}</span></th></tr></thead>
<tbody></tbody>
</table></div>
<p id="users-status" class="status-line" role="status" aria-live="polite"></p>
</section>

<section class="card" aria-labelledby="manage-h" id="manage" hidden>
<h2 id="manage-h" tabindex="-1">${t('users.manageHeading', { name: () => '<span id="manage-name"></span>' })}</h2>
<h3>${t('admin.roles')}</h3>
<ul id="manage-grants" class="grant-list"></ul>
<form id="grant-form" novalidate>
${roleSelect('grant-role', t)}
${field('grant-scope', t('admin.scope'), 'data-field="scopeId" autocapitalize="none" spellcheck="false"', t('users.adminsAll'))}
<p class="error" id="grant-form-error" hidden></p>
<button type="submit" class="secondary">${t('users.addRole')}</button>
<p id="grant-status" class="status-line" role="status" aria-live="polite"></p>
</form>
<h3>${t('users.password')}</h3>
<form id="reset-form" novalidate>
${field('reset-password', t('users.newPassword'), 'type="password" data-field="password" autocomplete="new-password"', t('users.newPasswordHint'))}
<p class="error" id="reset-form-error" hidden></p>
<button type="submit" class="secondary">${t('users.resetButton')}</button>
<p id="reset-status" class="status-line" role="status" aria-live="polite"></p>
</form>
<h3>${t('users.account')}</h3>
<form id="state-form" novalidate>
<p id="state-text" class="muted"></p>
<p class="error" id="state-form-error" hidden></p>
<button type="submit" id="state-button" class="secondary"></button>
<p id="state-status" class="status-line" role="status" aria-live="polite"></p>
</form>
</section>

<section class="card" aria-labelledby="add-h">
<h2 id="add-h">${t('users.addHeading')}</h2>
<form id="add-form" novalidate>
${field('add-name', t('admin.name'), 'data-field="name" autocomplete="off"')}
${field('add-username', t('admin.username'), 'data-field="username" autocomplete="off" autocapitalize="none" spellcheck="false"', t('users.usernameHint'))}
${field('add-password', t('users.firstPassword'), 'type="password" data-field="password" autocomplete="new-password"', t('users.firstPasswordHint'))}
${roleSelect('add-role', t)}
${field('add-scope', t('admin.scope'), 'data-field="scopeId" autocapitalize="none" spellcheck="false"', t('admin.scopeHint'))}
<p class="error" id="add-form-error" hidden></p>
<button type="submit">${t('users.add')}</button>
<p id="add-status" class="status-line" role="status" aria-live="polite"></p>
</form>
</section>
</div>`,
  });
}

export function adminTokensPage(nav: readonly NavLink[], locale: PageLocale = ENGLISH): string {
  const t = adminTranslator(locale);
  return shell({
    locale,
    title: t('tokens.title'),
    script: 'admin-tokens.js',
    signedIn: true,
    body: `${adminNav(nav, '/admin/tokens', t)}
<div id="page-error" class="alert" role="alert" hidden></div>
<div id="content" class="stack" aria-busy="true">
<section class="card" aria-labelledby="new-token-h">
<h1 id="new-token-h">${t('tokens.newHeading')}</h1>
<p class="muted">${t('tokens.explain')}</p>
<form id="token-form" novalidate>
${field('token-name', t('tokens.for'), 'data-field="name" autocomplete="off"')}
${roleSelect('token-role', t)}
${field('token-scope', t('admin.scope'), 'data-field="scopeId" autocapitalize="none" spellcheck="false"', t('admin.scopeHint'))}
${field('token-days', t('tokens.daysLabel'), 'type="number" inputmode="numeric" min="1" max="3650" step="1" value="365" data-field="expiresInDays"', t('tokens.daysHint'))}
<p class="error" id="token-form-error" hidden></p>
<button type="submit">${t('tokens.create')}</button>
<p id="token-status" class="status-line" role="status" aria-live="polite"></p>
</form>
<div id="token-once" class="token-once" hidden>
<p>${t('tokens.copyNow', { strong: (chunks: string[]) => `<strong>${chunks.join('')}</strong>` })}</p>
<code id="token-value"></code>
</div>
</section>
<section class="card wide" aria-labelledby="tokens-h">
<h2 id="tokens-h">${t('tokens.listHeading')}</h2>
<div class="scroll"><table id="tokens" class="data cards">
<thead><tr><th scope="col">${t('admin.name')}</th><th scope="col">${t('admin.roles')}</th><th scope="col">${t('tokens.created')}</th><th scope="col">${t('tokens.expires')}</th><th scope="col">${t('tokens.lastUsed')}</th><th scope="col">${t('admin.state')}</th><th scope="col"><span class="visually-hidden">${t('admin.actions')}</span></th></tr></thead>
<tbody></tbody>
</table></div>
<p id="tokens-status" class="status-line" role="status" aria-live="polite"></p>
</section>
</div>`,
  });
}

export function adminAuditPage(nav: readonly NavLink[], locale: PageLocale = ENGLISH): string {
  const t = adminTranslator(locale);
  return shell({
    locale,
    title: t('audit.title'),
    script: 'admin-audit.js',
    signedIn: true,
    body: `${adminNav(nav, '/admin/audit', t)}
<div id="page-error" class="alert" role="alert" hidden></div>
<div id="content" class="stack" aria-busy="true">
<section class="card wide" aria-labelledby="audit-h">
<h1 id="audit-h">${t('audit.title')}</h1>
<p class="muted">${t('audit.explain')}</p>
<div class="scroll"><table id="audit" class="data cards">
<thead><tr><th scope="col">${t('audit.when')}</th><th scope="col">${t('audit.who')}</th><th scope="col">${t('audit.what')}</th><th scope="col">${t('audit.about')}</th><th scope="col">${t('audit.details')}</th></tr></thead>
<tbody></tbody>
</table></div>
<div class="actions"><button type="button" id="audit-more" class="secondary" hidden>${t('audit.older')}</button></div>
<p id="audit-status" class="status-line" role="status" aria-live="polite"></p>
</section>
</div>`,
  });
}
