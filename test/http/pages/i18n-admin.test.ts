import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogProblems, placeholders } from '../../helpers/icu-placeholders.js';
import { ADMIN_CATALOG_DIR, adminCatalog, adminTranslator } from '../../../src/http/pages/admin-messages.js';
import { LANGUAGES } from '../../../src/http/pages/locale.js';

/**
 * The operator pages' catalogs (issue 18, languages: assets/i18n-admin/<language>.json): one per language with
 * English's keys and no other, every message parses, with English's placeholders and tags; plurals and numbers in the
 * page's locale; and every key the pages' scripts and shells name exists (a missing key would show itself on a page).
 */
/** The files that read these catalogs, and the keys they name (t('x.y') / t("x.y"), parts('x.y'), tr('x.y')). */
const PAGES = join(ADMIN_CATALOG_DIR, '..', '..');
const READERS = [
  ...readdirSync(join(PAGES, 'assets')).filter((f) => /^(admin-.*|station.*|utilisation|vehicles|get-started)\.js$/.test(f)).map((f) => join(PAGES, 'assets', f)),
  ...readdirSync(PAGES).filter((f) => /^views-(admin-.*|station.*|utilisation)\.ts$/.test(f)).map((f) => join(PAGES, f)),
];

describe('the operator pages\u2019 catalogs (issue 18, languages)', () => {
  const english = adminCatalog('en');

  it('has one catalog per language and nothing else', () => {
    expect(readdirSync(ADMIN_CATALOG_DIR).sort()).toEqual(LANGUAGES.map((l) => `${l}.json`).sort());
  });

  for (const language of LANGUAGES.filter((l) => l !== 'en')) {
    it(`${language}: the same keys as English, each message parsing with English's placeholders`, () => {
      expect(catalogProblems(english, adminCatalog(language), language)).toEqual([]);
    });
  }

  it('English parses too, and plurals and numbers follow the locale', () => {
    for (const source of Object.values(english)) expect(() => placeholders(source, 'en')).not.toThrow();
    const summary = { name: 'Depot', circuits: 1, evses: 2 };
    expect(adminTranslator({ language: 'en', tag: 'en-GB' })('sites.summary', summary)).toBe('Depot: 1 circuit, 2 EVSEs.');
    expect(adminTranslator({ language: 'da', tag: 'da-DK' })('sites.summary', summary)).toBe('Depot: 1 kreds, 2 ladepunkter.');
    expect(adminTranslator({ language: 'pt', tag: 'pt-PT' })('station.cut', { payload: 'x', chars: 12345, kept: 1000 })).toBe('x… (12\u00a0345 caracteres, mantidos os primeiros 1000)');
    // A key of the common catalogs is theirs (the layout's, "Save").
    expect(adminTranslator({ language: 'de', tag: 'de-DE' })('common.save')).toBe('Speichern');
  });

  it('every key the operator pages name is in the catalog', () => {
    const missing: string[] = [];
    for (const file of READERS) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\b(?:t|tr|parts)\('([a-zA-Z]+\.[\w.-]+)'/g)) {
        const key = m[1]!;
        if (!(key in english) && !/^(common|layout|api|car|vehicles|home|words|status|fleet|util|utilisation)\./.test(key)) missing.push(`${file.split('/').pop()}: ${key}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
