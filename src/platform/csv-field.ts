/**
 * One field of a CSV file that people open in spreadsheets: RFC 4180 quoting (a comma, quote, CR or LF quotes the
 * field, quotes are doubled) plus OWASP's advice on CSV injection (issue 20, finding 4: a station-chosen transaction id
 * `=HYPERLINK("//e.vil","x")` came out of the sessions export as a live formula). A text that a spreadsheet would
 * run, one starting with = + - @ TAB or CR or their full-width forms (which some spreadsheets read as the same), is
 * written with a single quote in front and quoted, so it is shown as text. A number is not a formula: numbers, and
 * texts that are a plain decimal number (`-0.1234`, what toFixed gives), are written as they are.
 */
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/;

export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  if (FORMULA_START.test(value) && !PLAIN_NUMBER.test(value)) return `"'${value.replace(/"/g, '""')}"`;
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
