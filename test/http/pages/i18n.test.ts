import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogProblems, placeholders } from '../../helpers/icu-placeholders.js';
import { LANGUAGES, chosenLanguage, negotiate, parseAcceptLanguage, samePath } from '../../../src/http/pages/locale.js';
import { CATALOG_DIR, catalog, translator } from '../../../src/http/pages/messages.js';

describe('catalogs (issue 18, languages)', () => {
  const english = catalog('en');

  it('has one catalog per language and nothing else', () => {
    expect(readdirSync(CATALOG_DIR).sort()).toEqual(LANGUAGES.map((l) => `${l}.json`).sort());
  });

  for (const language of LANGUAGES.filter((l) => l !== 'en')) {
    it(`${language}: every key of English, no other, each message parses with English's placeholders`, () => {
      expect(catalogProblems(english, catalog(language), language)).toEqual([]);
    });
  }

  it('English parses too, and formats plurals and numbers in the locale', () => {
    for (const source of Object.values(english)) expect(() => placeholders(source, 'en')).not.toThrow();
    const values = { month: 'x', sessions: 2, energy: 'e', cost: 'c' };
    expect(translator({ language: 'en', tag: 'en-GB' })('history.totals', values)).toBe('x: 2 charges, e for c.');
    expect(translator({ language: 'en', tag: 'en-GB' })('history.totals', { ...values, sessions: 1 })).toBe('x: 1 charge, e for c.');
    expect(translator({ language: 'da', tag: 'da-DK' })('history.totals', { ...values, sessions: 1 })).toMatch(/^x: 1 opladning/);
  });
});

describe('negotiate', () => {
  it('picks the first language we have, by q, with the browser region', () => {
    expect(negotiate('da-DK,da;q=0.9,en;q=0.8')).toEqual({ language: 'da', tag: 'da-DK' });
    expect(negotiate('pt-PT')).toEqual({ language: 'pt', tag: 'pt-PT' });
    expect(negotiate('pt-BR,pt;q=0.9')).toEqual({ language: 'pt', tag: 'pt-BR' });
    expect(negotiate('fr-FR,de;q=0.5,sv;q=0.7')).toEqual({ language: 'sv', tag: 'sv-SE' });
    expect(negotiate('de')).toEqual({ language: 'de', tag: 'de-DE' });
    expect(negotiate('en-US,en;q=0.9')).toEqual({ language: 'en', tag: 'en-US' });
  });

  it('falls back to English (en-GB) for none, nonsense, only unknown languages, q=0 and "*"', () => {
    for (const h of [undefined, '', 'fr,it;q=0.9', 'da;q=0', '*', ';;,,', 'x'.repeat(500), 'da-DK<script>']) {
      expect(negotiate(h).language).toBe(h === '*' ? 'en' : 'en');
    }
    expect(negotiate('fr').tag).toBe('en-GB');
  });

  it('the switcher choice wins over Accept-Language, keeping the browser region of that language if any', () => {
    expect(negotiate('da-DK', 'pt')).toEqual({ language: 'pt', tag: 'pt-PT' });
    expect(negotiate('en-GB,sv-FI;q=0.5', 'sv')).toEqual({ language: 'sv', tag: 'sv-FI' });
    expect(negotiate('da-DK', 'fr')).toEqual({ language: 'da', tag: 'da-DK' });
  });

  it('reads at most 20 ranges and only tags of letters and digits', () => {
    const header = [...Array.from({ length: 25 }, () => 'fr'), 'da'].join(',');
    expect(negotiate(header).language).toBe('en');
    expect(parseAcceptLanguage('da"x,sv').map((r) => r.tag)).toEqual(['sv']);
  });

  it('reads the language cookie among others', () => {
    expect(chosenLanguage('cp_session=abc; cp_lang=da; other=1')).toBe('da');
    expect(chosenLanguage('cp_lang=da')).toBe('da');
    expect(chosenLanguage('xcp_lang=da')).toBeUndefined();
    expect(chosenLanguage(undefined)).toBeUndefined();
  });

  it('the switcher returns only to a path on this server', () => {
    expect(samePath('/home?vehicle=a')).toBe('/home?vehicle=a');
    for (const bad of ['//evil.example', 'https://evil.example/', '/\\evil', '/%09/x\t', 42, undefined]) expect(samePath(bad)).toBe('/');
  });
});
