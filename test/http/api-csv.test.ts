import { describe, expect, it } from 'vitest';
import { parseCsv, toCsv } from '../../src/http/api/csv.js';

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
