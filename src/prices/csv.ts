/**
 * A small RFC 4180 reader: quoted fields, doubled quotes, CRLF or LF, a leading BOM. Enough for the ENTSO-E
 * and SMARD exports and for the push intake's CSV, without a dependency. Returns rows with their 1-based line.
 */
export interface CsvRow {
  line: number;
  fields: string[];
}

export function readCsv(text: string, delimiter: ',' | ';'): CsvRow[] {
  return [...csvRows(text, delimiter)];
}

/**
 * The rows one at a time, so that a caller can stop at a limit or pause between chunks (the push intake, issue 20).
 * One pass over the text; a field is sliced out of it whole rather than built a character at a time.
 */
export function* csvRows(text: string, delimiter: ',' | ';'): Generator<CsvRow, void, void> {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const n = src.length;
  let line = 1;
  let i = 0;
  while (i < n) {
    const rowLine = line;
    const fields: string[] = [];
    let endOfRow = false;
    while (!endOfRow) {
      let field: string;
      if (src[i] === '"') {
        // Quoted: doubled quotes are one quote; line breaks inside count as lines.
        let value = '';
        let from = i + 1;
        for (;;) {
          const q = src.indexOf('"', from);
          if (q < 0) {
            value += src.slice(from);
            i = n;
            break;
          }
          value += src.slice(from, q);
          if (src[q + 1] === '"') {
            value += '"';
            from = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
        for (let k = value.indexOf('\n'); k >= 0; k = value.indexOf('\n', k + 1)) line++;
        // Anything between the closing quote and the delimiter belongs to the field, as before.
        let j = i;
        while (j < n && src[j] !== delimiter && src[j] !== '\n' && src[j] !== '\r') j++;
        field = value + src.slice(i, j);
        i = j;
      } else {
        let j = i;
        while (j < n && src[j] !== delimiter && src[j] !== '\n' && src[j] !== '\r') j++;
        field = src.slice(i, j);
        i = j;
      }
      fields.push(field);
      if (i >= n) {
        endOfRow = true;
      } else if (src[i] === delimiter) {
        i++;
        if (i >= n) {
          fields.push('');
          endOfRow = true;
        }
      } else {
        // \n, \r or \r\n ends the row.
        if (src[i] === '\r' && src[i + 1] === '\n') i++;
        i++;
        line++;
        endOfRow = true;
      }
    }
    if (fields.length > 1 || fields[0] !== '') yield { line: rowLine, fields };
  }
}

/** Formats a per-MWh figure the way the normalised answers do: at least two decimals, no float noise. */
export function formatDecimal(value: number, minDecimals = 2): string {
  const rounded = Number(value.toFixed(6));
  const text = String(rounded);
  const dot = text.indexOf('.');
  const decimals = dot < 0 ? 0 : text.length - dot - 1;
  if (decimals >= minDecimals) return text;
  return rounded.toFixed(minDecimals);
}

/**
 * The normalised form the shared data uses as answers: `start_utc,end_utc,price_eur_per_mwh,zone`. Also what the
 * CLI writes when asked for raw prices, so a replay can be diffed against a known-good file.
 */
export function toNormalisedCsv(
  rows: ReadonlyArray<{ start: number; end: number; pricePerKwh: number; zone: string }>,
  currency = 'EUR',
): string {
  const stamp = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  const lines = [`start_utc,end_utc,price_${currency.toLowerCase()}_per_mwh,zone`];
  for (const r of rows) lines.push(`${stamp(r.start)},${stamp(r.end)},${formatDecimal(r.pricePerKwh * 1000)},${r.zone}`);
  return lines.join('\n') + '\n';
}
