import type { PageLocale } from './locale.js';
import { ENGLISH, translator } from './messages.js';
import { attr, shell } from './views.js';

/**
 * The shells of the first-run, account and admin pages (issue 16), in views.ts's style: no data, no inline script
 * or style; each loads one module from /assets. Labels on every input, `<id>-error` next to each field, a status
 * region per form.
 */

/** A link of the admin navigation: the page's path and its name. */
export interface NavLink {
  href: string;
  label: string;
}

/** The admin pages' navigation; `current` is marked for screen readers and drawn as the current page. */
function adminNav(links: readonly NavLink[], current: string): string {
  const items = links.map((l) => `<a href="${attr(l.href)}"${l.href === current ? ' aria-current="page"' : ''}>${l.label}</a>`).join('\n');
  return `<nav class="subnav" aria-label="Administration">\n${items}\n</nav>`;
}

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

/** `pages`: which of the pages the checklist links to exist on this server (the others get a plain explanation). */
export function getStartedPage(nav: readonly NavLink[], pages: readonly string[]): string {
  return shell({
    title: 'Get started',
    script: 'get-started.js',
    signedIn: true,
    body: `${adminNav(nav, '/get-started')}
<div id="page-error" class="alert" role="alert" hidden></div>
<div id="content" class="stack" aria-busy="true">
<section class="card wide" aria-labelledby="start-h" id="start" data-pages="${attr(pages.join(' '))}">
<h1 id="start-h">Get started</h1>
<p class="muted">What the product needs before it plans charging. Each step says what exists and where to do the rest.</p>
<ol id="checklist" class="checklist"></ol>
</section>
</div>`,
  });
}

export function adminUsersPage(nav: readonly NavLink[]): string {
  return shell({
    title: 'People',
    script: 'admin-users.js',
    signedIn: true,
    body: `${adminNav(nav, '/admin/users')}
<div id="page-error" class="alert" role="alert" hidden></div>
<div id="content" class="stack" aria-busy="true">
<section class="card wide" aria-labelledby="users-h">
<h1 id="users-h">People</h1>
<div class="scroll"><table id="users" class="data cards">
<thead><tr><th scope="col">Name</th><th scope="col">Username</th><th scope="col">Roles</th><th scope="col">State</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody></tbody>
</table></div>
<p id="users-status" class="status-line" role="status" aria-live="polite"></p>
</section>

<section class="card" aria-labelledby="manage-h" id="manage" hidden>
<h2 id="manage-h" tabindex="-1">Manage <span id="manage-name"></span></h2>
<h3>Roles</h3>
<ul id="manage-grants" class="grant-list"></ul>
<form id="grant-form" novalidate>
<div class="field">
<label for="grant-role">Role</label>
<select id="grant-role" name="role" data-field="role" aria-describedby="grant-role-error"></select>
<p class="error" id="grant-role-error" hidden></p>
</div>
${field('grant-scope', 'Over which fleet, home or price zone', 'data-field="scopeId" autocapitalize="none" spellcheck="false"', 'An id, or * for all of them. Admins are always over *.')}
<p class="error" id="grant-form-error" hidden></p>
<button type="submit" class="secondary">Add role</button>
<p id="grant-status" class="status-line" role="status" aria-live="polite"></p>
</form>
<h3>Password</h3>
<form id="reset-form" novalidate>
${field('reset-password', 'New password', 'type="password" data-field="password" autocomplete="new-password"', 'At least 12 characters. Their login sessions end; tell them the new one.')}
<p class="error" id="reset-form-error" hidden></p>
<button type="submit" class="secondary">Reset password</button>
<p id="reset-status" class="status-line" role="status" aria-live="polite"></p>
</form>
<h3>Account</h3>
<form id="state-form" novalidate>
<p id="state-text" class="muted"></p>
<p class="error" id="state-form-error" hidden></p>
<button type="submit" id="state-button" class="secondary"></button>
<p id="state-status" class="status-line" role="status" aria-live="polite"></p>
</form>
</section>

<section class="card" aria-labelledby="add-h">
<h2 id="add-h">Add a person</h2>
<form id="add-form" novalidate>
${field('add-name', 'Name', 'data-field="name" autocomplete="off"')}
${field('add-username', 'Username', 'data-field="username" autocomplete="off" autocapitalize="none" spellcheck="false"', 'Letters, digits and . _ @ -')}
${field('add-password', 'First password', 'type="password" data-field="password" autocomplete="new-password"', 'At least 12 characters. Tell it to them; they can change it on “My password”.')}
<div class="field">
<label for="add-role">Role</label>
<select id="add-role" name="role" data-field="role" aria-describedby="add-role-error"></select>
<p class="error" id="add-role-error" hidden></p>
</div>
${field('add-scope', 'Over which fleet, home or price zone', 'data-field="scopeId" autocapitalize="none" spellcheck="false"', 'An id, or * for all of them.')}
<p class="error" id="add-form-error" hidden></p>
<button type="submit">Add person</button>
<p id="add-status" class="status-line" role="status" aria-live="polite"></p>
</form>
</section>
</div>`,
  });
}

export function adminTokensPage(nav: readonly NavLink[]): string {
  return shell({
    title: 'API tokens',
    script: 'admin-tokens.js',
    signedIn: true,
    body: `${adminNav(nav, '/admin/tokens')}
<div id="page-error" class="alert" role="alert" hidden></div>
<div id="content" class="stack" aria-busy="true">
<section class="card" aria-labelledby="new-token-h">
<h1 id="new-token-h">New API token</h1>
<p class="muted">For systems: a depot’s telematics, an energy company publishing tariffs. The token is shown once.</p>
<form id="token-form" novalidate>
${field('token-name', 'What it is for', 'data-field="name" autocomplete="off"')}
<div class="field">
<label for="token-role">Role</label>
<select id="token-role" name="role" data-field="role" aria-describedby="token-role-error"></select>
<p class="error" id="token-role-error" hidden></p>
</div>
${field('token-scope', 'Over which fleet, home or price zone', 'data-field="scopeId" autocapitalize="none" spellcheck="false"', 'An id, or * for all of them.')}
${field('token-days', 'Expires after (days)', 'type="number" inputmode="numeric" min="1" max="3650" step="1" value="365" data-field="expiresInDays"', 'Leave empty for no expiry.')}
<p class="error" id="token-form-error" hidden></p>
<button type="submit">Create token</button>
<p id="token-status" class="status-line" role="status" aria-live="polite"></p>
</form>
<div id="token-once" class="token-once" hidden>
<p><strong>Copy the token now:</strong> it is not shown again.</p>
<code id="token-value"></code>
</div>
</section>
<section class="card wide" aria-labelledby="tokens-h">
<h2 id="tokens-h">Tokens</h2>
<div class="scroll"><table id="tokens" class="data cards">
<thead><tr><th scope="col">Name</th><th scope="col">Roles</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col">State</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody></tbody>
</table></div>
<p id="tokens-status" class="status-line" role="status" aria-live="polite"></p>
</section>
</div>`,
  });
}

export function adminAuditPage(nav: readonly NavLink[]): string {
  return shell({
    title: 'Audit log',
    script: 'admin-audit.js',
    signedIn: true,
    body: `${adminNav(nav, '/admin/audit')}
<div id="page-error" class="alert" role="alert" hidden></div>
<div id="content" class="stack" aria-busy="true">
<section class="card wide" aria-labelledby="audit-h">
<h1 id="audit-h">Audit log</h1>
<p class="muted">Who changed what, newest first. Times in your browser’s zone.</p>
<div class="scroll"><table id="audit" class="data cards">
<thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">About</th><th scope="col">Details</th></tr></thead>
<tbody></tbody>
</table></div>
<div class="actions"><button type="button" id="audit-more" class="secondary" hidden>Older entries</button></div>
<p id="audit-status" class="status-line" role="status" aria-live="polite"></p>
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
    body: `${nav ? adminNav(nav, '/account') : `<p><a href="/">${t('api.back')}</a></p>`}
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
