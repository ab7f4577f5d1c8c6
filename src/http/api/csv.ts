import { csvField } from '../../platform/csv-field.js';

/**
 * RFC 4180 CSV, both ways: parsing uploads (quoted fields, "" escapes, CRLF or LF, a UTF-8 BOM from spreadsheet
 * exports) and writing exports (quote a field when it holds a comma, quote, CR or LF; CRLF line ends; a text that a
 * spreadsheet would run as a formula is disarmed with a leading single quote: platform/csv-field.ts).
 */
export interface CsvRecord {
  /** 0 for the header, then 1, 2, ... per data record (what issues call `row`). */
  row: number;
  fields: string[];
}

export type CsvParse = { ok: true; records: CsvRecord[] } | { ok: false; row: number; message: string };

export function parseCsv(text: string): CsvParse {
  const records: CsvRecord[] = [];
  for (const r of csvRecords(text)) {
    if ('message' in r) return { ok: false, row: r.row, message: r.message };
    records.push(r);
  }
  return { ok: true, records };
}

/**
 * The records one at a time, so that a caller can stop at a limit or let the event loop turn between chunks (bulk
 * uploads, issue 20); a syntax error is the last thing it yields.
 */
export function* csvRecords(text: string): Generator<CsvRecord | { row: number; message: string }, void, void> {
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let count = 0;
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  /** The record that ends here; a blank line (one empty field) is none: spreadsheets add them at the end. */
  const endRecord = (): CsvRecord | undefined => {
    fields.push(field);
    const done = fields.length === 1 && fields[0] === '' ? undefined : { row: count++, fields };
    fields = [];
    field = '';
    return done;
  };
  while (i < s.length) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (c === '"') { quoted = false; i++; continue; }
      field += c;
      i++;
      continue;
    }
    if (c === '"') {
      if (field !== '') {
        yield { row: count, message: 'a quote may only open a field (RFC 4180)' };
        return;
      }
      quoted = true;
    } else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || (c === '\r' && s[i + 1] === '\n')) {
      if (c === '\r') i++;
      const done = endRecord();
      if (done) yield done;
    } else {
      field += c;
    }
    i++;
  }
  if (quoted) {
    yield { row: count, message: 'a quoted field is not closed' };
    return;
  }
  if (field !== '' || fields.length > 0) {
    const done = endRecord();
    if (done) yield done;
  }
}

/** One CSV document: the header, then the rows; null and undefined become empty fields. */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  const line = (cells: readonly (string | number | null | undefined)[]) => cells.map(csvField).join(',');
  return [line(header), ...rows.map(line)].map((l) => `${l}\r\n`).join('');
}
