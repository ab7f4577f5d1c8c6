import type { Translate } from './messages.js';
import { attr } from './views.js';

/**
 * The admin pages' navigation (issue 16) in the page's language (issue 18): the get-started, account and admin pages
 * draw it from the links account-pages.ts offers, their words from the operator catalog (a page's translator).
 */

/** A link of the admin navigation: the page's path and its name (the English name, for a link without words). */
export interface NavLink {
  href: string;
  label: string;
}

/** The navigation's words by page: the links account-pages.ts offers, in the page's language. */
const NAV_KEYS: Readonly<Record<string, string>> = {
  '/get-started': 'admin.nav.start', '/admin/sites': 'admin.nav.sites', '/admin/tariffs': 'admin.nav.tariffs',
  '/admin/stations': 'admin.nav.chargers', '/fleet': 'admin.nav.fleet', '/admin/users': 'admin.nav.people',
  '/admin/tokens': 'admin.nav.tokens', '/admin/audit': 'admin.nav.audit', '/account': 'layout.myPassword',
};

/** The admin navigation; `current` is marked for screen readers and drawn as the current page. */
export function adminNav(links: readonly NavLink[], current: string, t: Translate): string {
  const items = links.map((l) => {
    const key = NAV_KEYS[l.href];
    return `<a href="${attr(l.href)}"${l.href === current ? ' aria-current="page"' : ''}>${key ? t(key) : l.label}</a>`;
  });
  return `<nav class="subnav" aria-label="${attr(t('admin.nav.label'))}">\n${items.join('\n')}\n</nav>`;
}
