// What the admin pages share: the roles for <select>s, grants as words, instants in the reader's zone.
import { api } from './api.js';

/** "fleet-manager over fleet north", "admin" */
export function grantText(g) {
  return g.scopeKind === 'all' ? g.role : `${g.role} over ${g.scopeKind} ${g.scopeId}`;
}

/** Fills a <select> with the roles the server knows (GET /api/v1/admin/roles); keeps them on the options. */
export async function fillRoles(...selects) {
  const roles = await api('/api/v1/admin/roles');
  for (const select of selects) {
    select.replaceChildren(...roles.map((r) => {
      const o = document.createElement('option');
      o.value = r.role;
      o.textContent = r.scopeKind === 'all' ? `${r.role} (everything)` : `${r.role} (over a ${r.scopeKind})`;
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

const dtf = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
/** "6 Dec 2026, 18:02" in the reader's zone; "—" for none. */
export const when = (iso) => (iso ? dtf.format(new Date(iso)) : '—');
