import { describe, expect, it } from 'vitest';
import { parseCsv, toCsv } from '../../src/http/api/csv.js';
import { effectiveTableCsv } from '../../src/prices/price-table.js';
import { PlanningStation } from '../helpers/planning-station.js';
import { startApi } from './api-fixture.js';

describe('CSV (RFC 4180) for uploads and exports', () => {
  it('quotes only what needs it, doubles quotes, ends lines with CRLF', () => {
    expect(toCsv(['a', 'b', 'c'], [['plain', 'with, comma', 'say "hi"'], [1.5, null, 'two\nlines']]))
      .toBe('a,b,c\r\nplain,"with, comma","say ""hi"""\r\n1.5,,"two\nlines"\r\n');
  });

  it('reads back what it writes', () => {
    const rows = [['x', 'a,b', '"q"', ''], ['line\r\nbreak', ' spaced ', 'ü', '1']];
    const parsed = parseCsv(toCsv(['h1', 'h2', 'h3', 'h4'], rows));
    expect(parsed).toEqual({ ok: true, records: [{ row: 0, fields: ['h1', 'h2', 'h3', 'h4'] }, { row: 1, fields: rows[0] }, { row: 2, fields: rows[1] }] });
  });

  it('takes a BOM, LF line ends, a last line without line end, and skips blank lines', () => {
    expect(parseCsv('\uFEFFa,b\n\n1,2\n3,4')).toEqual({ ok: true, records: [{ row: 0, fields: ['a', 'b'] }, { row: 1, fields: ['1', '2'] }, { row: 2, fields: ['3', '4'] }] });
  });

  it('reports an unclosed quote and a quote inside an unquoted field with the row', () => {
    expect(parseCsv('a\n"open')).toEqual({ ok: false, row: 1, message: 'a quoted field is not closed' });
    expect(parseCsv('a,b\nx,y"z')).toEqual({ ok: false, row: 1, message: 'a quote may only open a field (RFC 4180)' });
  });
});

/**
 * Issue 20, finding 4: a station chooses its transaction ids, and `=HYPERLINK("//e.vil","x")` came out of the sessions
 * export as a live formula. Every CSV the product writes neutralises a cell that a spreadsheet would run (OWASP, CSV
 * injection: = + - @ TAB CR first, and their full-width forms): a single quote in front, and the cell quoted.
 * Numbers stay numbers, negative ones included.
 */
describe('CSV exports do not carry formulas (finding 4)', () => {
  it.each([
    ['=HYPERLINK("//e.vil","x")', `"'=HYPERLINK(""//e.vil"",""x"")"`],
    ['+1+cmd|\' /C calc\'!A0', `"'+1+cmd|' /C calc'!A0"`],
    ['-2+3', `"'-2+3"`],
    ['@SUM(A1:A9)', `"'@SUM(A1:A9)"`],
    ['\t=1+1', `"'\t=1+1"`],
    ['\r=1+1', `"'\r=1+1"`],
    ['＝1+1', `"'＝1+1"`],
    ['＋1', `"'＋1"`],
    ['－1', `"'－1"`],
    ['＠x', `"'＠x"`],
  ])('neutralises %j', (cell, written) => {
    expect(toCsv(['transaction'], [[cell]])).toBe(`transaction\r\n${written}\r\n`);
    // What a spreadsheet (or our own reader) reads back is the text, with the quote that disarms it.
    expect(parseCsv(toCsv(['h'], [[cell]]))).toMatchObject({ ok: true, records: [{ fields: ['h'] }, { fields: [`'${cell}`] }] });
  });

  it('keeps numbers numbers: a negative saving stays -0.1234, also when it comes as text', () => {
    expect(toCsv(['a', 'b', 'c', 'd', 'e'], [[-1.5, '-0.1234', '+3', '12.500', 'TX-1=2']])).toBe('a,b,c,d,e\r\n-1.5,-0.1234,+3,12.500,TX-1=2\r\n');
  });

  // Starts the whole product itself: past the default 20 s on PostgreSQL under load.
  it('the sessions export of a real charger whose transaction id is a formula', { timeout: 120_000 }, async () => {
    const f = await startApi();
    try {
      const cs = await PlanningStation.connect(f.server, { id: 'CS1', evses: 2 });
      await cs.boot();
      await cs.startTransaction(1, '=HYPERLINK("//e.vil","x")', 'TOKEN-1');
      await cs.startTransaction(2, '@SUM(1+1)*cmd', 'TOKEN-2');
      const res = await f.as('north', { url: '/api/v1/sessions.csv?fleet=north&month=2026-11' });
      expect(res.statusCode).toBe(200);
      const lines = res.body.split('\r\n');
      expect(lines[1]).toContain(`,"'=HYPERLINK(""//e.vil"",""x"")",`);
      expect(lines[2]).toContain(`,"'@SUM(1+1)*cmd",`);
      // No cell of the file starts a formula.
      const parsed = parseCsv(res.body);
      expect(parsed.ok).toBe(true);
      const cells = parsed.ok ? parsed.records.flatMap((r) => r.fields) : [];
      expect(cells.filter((c) => /^[=+@\t\r＝＋－＠]/.test(c) || /^-(?!\d+(\.\d+)?$)/.test(c))).toEqual([]);
    } finally {
      await f.close();
    }
  });
});

describe('the effective price table as CSV (npm run prices -- table --csv) neutralises too', () => {
  it('a tax named like a formula', () => {
    const slot = { start: 0, end: 900_000, currency: 'EUR', energy: 0.1, gridFee: 0.02, taxes: { '=cmd': 0.01 }, vat: 0.03, total: -0.16, kind: 'final' as const, source: '@src', rule: undefined };
    const csv = effectiveTableCsv([slot as never], 'UTC');
    expect(csv.split('\n')[0]).toContain(',tax_=cmd,');
    expect(csv.split('\n')[1]).toContain(`,"'@src",`);
    expect(csv.split('\n')[1]).toContain(',-0.16000,');
  });
});
