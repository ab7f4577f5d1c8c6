// What the server wrote for operators, said in the page's language (issue 18, languages), as phrases.js does for the
// home and fleet pages: the server keeps its English sentence and sends beside it a phrase, a stable message id and
// its values (src/domain/phrases.ts). The operator catalog's `server.<id>` message says it here (assets/i18n-admin/);
// an id that catalog lacks (a newer server, an older answer) falls back to the server's English. Values go to the
// message as they are: the catalogs format numbers themselves ({limitKw, number}).
import { has, t } from './admin-i18n.js';

/** Whether the page can say this phrase in its own language. */
export const known = (p) => Boolean(p && typeof p.id === 'string' && has(`server.${p.id}`));

/** The phrase in the page's language, else `fallback` (the server's English). */
export function say(p, fallback) {
  if (!known(p)) return fallback == null ? '' : String(fallback);
  return t(`server.${p.id}`, p.params || {});
}

/** A known device-model variable's meaning in the page's language (`dm.<Component>.<Variable>`), else the server's label. */
export function meaning(component, variable, label) {
  const key = `dm.${component}.${variable}`;
  return has(key) ? t(key) : (label ?? '');
}
