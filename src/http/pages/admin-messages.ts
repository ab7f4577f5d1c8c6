import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IntlMessageFormat } from 'intl-messageformat';
import type { Language, PageLocale } from './locale.js';
import { translator, type Catalog, type Translate } from './messages.js';

/**
 * The operator pages' words (issue 18, languages: the admin pages, the station page, utilisation and the vehicles
 * page): their own catalogs, assets/i18n-admin/<language>.json, beside the home and fleet pages' (assets/i18n/), in
 * the same ICU MessageFormat and read the same way by the browser (assets/admin-i18n.js). A key not in these
 * catalogs is looked up in the common ones (the layout, "Save"), so a shell uses one translator for both.
 * test/http/pages/i18n-admin.test.ts checks the keys are the same in every language and every message parses with
 * English's placeholders.
 */
export const ADMIN_CATALOG_DIR = join(dirname(fileURLToPath(import.meta.url)), 'assets', 'i18n-admin');

const catalogs = new Map<Language, Catalog>();

export function adminCatalog(language: Language): Catalog {
  let c = catalogs.get(language);
  if (!c) {
    c = JSON.parse(readFileSync(join(ADMIN_CATALOG_DIR, `${language}.json`), 'utf8')) as Catalog;
    catalogs.set(language, c);
  }
  return c;
}

const compiled = new Map<string, IntlMessageFormat>();
const MAX_COMPILED = 10_000;

/** The operator pages' translator: their catalog first, then the common one (an unknown key there throws). */
export function adminTranslator(locale: Pick<PageLocale, 'language' | 'tag'>): Translate {
  const own = adminCatalog(locale.language);
  const english = adminCatalog('en');
  const common = translator(locale);
  return (key, values) => {
    const source = own[key] ?? english[key];
    if (source === undefined) return common(key, values);
    const id = `${locale.tag}|${key}`;
    let m = compiled.get(id);
    if (!m) {
      m = new IntlMessageFormat(source, locale.tag);
      if (compiled.size >= MAX_COMPILED) compiled.clear();
      compiled.set(id, m);
    }
    const out = m.format<string>(values);
    return Array.isArray(out) ? out.join('') : String(out);
  };
}
