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
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endRecord = () => {
    fields.push(field);
    // A blank line (one empty field) is skipped: spreadsheets add them at the end.
    if (!(fields.length === 1 && fields[0] === '')) records.push({ row: records.length, fields });
    fields = [];
    field = '';
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
      if (field !== '') return { ok: false, row: records.length, message: 'a quote may only open a field (RFC 4180)' };
      quoted = true;
    } else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\r' && s[i + 1] === '\n') {
      endRecord();
      i++;
    } else if (c === '\n') {
      endRecord();
    } else {
      field += c;
    }
    i++;
  }
  if (quoted) return { ok: false, row: records.length, message: 'a quoted field is not closed' };
  if (field !== '' || fields.length > 0) endRecord();
  return { ok: true, records };
}

/** One CSV document: the header, then the rows; null and undefined become empty fields. */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  const line = (cells: readonly (string | number | null | undefined)[]) => cells.map(csvField).join(',');
  return [line(header), ...rows.map(line)].map((l) => `${l}\r\n`).join('');
}
