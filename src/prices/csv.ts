/**
 * A small RFC 4180 reader: quoted fields, doubled quotes, CRLF or LF, a leading BOM. Enough for the ENTSO-E
 * and SMARD exports and for the push intake's CSV, without a dependency. Returns rows with their 1-based line.
 */
export interface CsvRow {
  line: number;
  fields: string[];
}

export function readCsv(text: string, delimiter: ',' | ';'): CsvRow[] {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const rows: CsvRow[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
    } else if (c === delimiter) {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      fields.push(field);
      if (fields.length > 1 || fields[0] !== '') rows.push({ line: rowLine, fields });
      fields = [];
      field = '';
      line++;
      rowLine = line;
    } else {
      field += c;
    }
  }
  if (field !== '' || fields.length > 0) {
    fields.push(field);
    rows.push({ line: rowLine, fields });
  }
  return rows;
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
