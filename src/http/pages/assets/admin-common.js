// What the admin pages share: the roles for <select>s, grants as words, instants in the reader's zone (admin-i18n.js:
// the page's locale).
import { api } from './api.js';
import { t, when } from './admin-i18n.js';

export { when };

/** A role in the page's language ("flådeansvarlig"; in English the role's own id, as the API and the CLI name it). */
export const roleText = (role) => t('admin.role', { role: selector(role) });

/** ICU select keys are words: "fleet-manager" is chosen as "fleet_manager" (an unknown one shows as it is). */
const selector = (id) => String(id).replace(/-/g, '_');

/** "fleet-manager over fleet north", "admin" (in the page's language). */
export function grantText(g) {
  return g.scopeKind === 'all' ? roleText(g.role) : t('admin.grant.scoped', { role: roleText(g.role), kind: selector(g.scopeKind), scope: g.scopeId });
}

/** Fills a <select> with the roles the server knows (GET /api/v1/admin/roles); keeps them on the options. */
export async function fillRoles(...selects) {
  const roles = await api('/api/v1/admin/roles');
  for (const select of selects) {
    select.replaceChildren(...roles.map((r) => {
      const o = document.createElement('option');
      o.value = r.role;
      o.textContent = r.scopeKind === 'all' ? t('admin.roleOption.all', { role: roleText(r.role) }) : t('admin.roleOption.scoped', { role: roleText(r.role), kind: selector(r.scopeKind) });
      o.dataset.scopeKind = r.scopeKind;
      return o;
    }));
    // A fleet manager is what an admin adds most; admin is never the default, not after a form's reset either.
    const fm = [...select.options].find((o) => o.value === 'fleet-manager');
    if (fm) {
      fm.defaultSelected = true;
      select.value = fm.value;
    }
  }
  return roles;
}

/** An admin grant is always over '*': its scope field is filled and locked while admin is chosen. */
export function tieScope(select, scope) {
  const sync = () => {
    const all = select.selectedOptions[0]?.dataset.scopeKind === 'all';
    if (all) scope.value = '*';
    else if (scope.value === '*' && scope.readOnly) scope.value = '';
    scope.readOnly = all;
  };
  select.addEventListener('change', sync);
  sync();
}

