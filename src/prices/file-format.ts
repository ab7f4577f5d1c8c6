import { extname } from 'node:path';
import { isNormalisedCsv } from './sources/csv-normalised.js';

/**
 * Price files we recognise by their content, so a person need not say what they hand us. One function for the
 * prices CLI and the simulator's price files (src/cli/sim/price-file.ts), so both accept the same files.
 */
export type DetectedPriceFormat = 'smard-csv' | 'entsoe-csv' | 'entsoe-xml' | 'normalised-csv';

/** The format of a price file from its text (and, for XML, its name); undefined when it cannot tell (each caller says what to do then). */
export function detectPriceFormat(file: string, text: string): DetectedPriceFormat | undefined {
  const body = text.replace(/^\uFEFF/, '');
  if (body.startsWith('Datum von;')) return 'smard-csv';
  if (body.startsWith('"MTU')) return 'entsoe-csv';
  if (isNormalisedCsv(body)) return 'normalised-csv';
  if (extname(file) === '.xml' || body.trimStart().startsWith('<')) return 'entsoe-xml';
  return undefined;
}
