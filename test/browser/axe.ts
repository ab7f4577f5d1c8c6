/**
 * axe-core in a page of the browser tests (issue 18, accessibility), shared by the accessibility and language tests.
 *
 * Why page.evaluate and not page.addScriptTag({ content }): every page sends `script-src 'self'` (no inline
 * script; src/http/auth/security-headers.ts), so an inline <script> with axe's source is refused by the CSP (the
 * accessibility test checks that it still is). Code evaluated through the DevTools protocol is not subject to the
 * page's CSP, so axe runs in the page's own document without weakening the policy under test (bypassCSP would
 * test a different page than people get).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeResult { violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }
declare const axe: { run(context: unknown, options: unknown): Promise<AxeResult> };
declare const document: unknown;

/**
 * Runs axe on the page as it stands and returns its serious and critical violations (`every`: all), one line each:
 * "<where>: <rule> (<impact>: <help>) at <selector>".
 */
export async function axeViolations(page: Page, where: string, every = false): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() => axe.run(document, { resultTypes: ['violations'] }));
  return result.violations
    .filter((v) => every || v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${where}: ${v.id} (${v.impact}: ${v.help}) at ${n.target.map(String).join(' ')}`));
}
