/**
 * Issue 18, "the API reference page in the product's own look, readable on a phone": /api/docs is our page now
 * (src/http/pages/views-api-docs.ts), rendered from the OpenAPI document the app serves. In real Chromium: every
 * operation of the document is on it, grouped by tag, with a working anchor from the contents and the tag's index;
 * an operation shows its parameters, body and responses with their schemas; the JSON stays at /api/openapi.json
 * and /api/docs/json; the filter narrows the list; at phone width (390 px) nothing is wider than the screen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ARTIFACTS, launch, newContext, see, startProduct, watchErrors, type Product } from './fixture.js';

let product: Product;
let browser: Browser;

interface Doc { paths: Record<string, Record<string, { tags: string[]; summary: string }>>; tags: { name: string }[] }
let doc: Doc;

beforeAll(async () => {
  [product, browser] = await Promise.all([startProduct(), launch()]);
  doc = (await product.app.inject({ url: '/api/openapi.json' })).json() as Doc;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await product?.close();
});

const operations = () => Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method, path, ...op })));

describe('the API reference page', () => {
  it('lists every operation by tag, with anchors, schemas and the raw document (desk)', async () => {
    const context = await newContext(browser, 'desk');
    const page = await context.newPage();
    const errors = watchErrors(page);
    const res = await page.goto(`${product.url}/api/docs`);
    expect(res!.status()).toBe(200);
    await see.text(page, 'h1', 'chargeplan API reference');
    const ops = operations();
    await see.count(page, 'article.op', ops.length);
    // Grouped by tag in the document's order: each operation sits in the section of its first tag.
    const placed = await page.locator('article.op').evaluateAll((arts) =>
      arts.map((a) => [a.querySelector('.op-title')!.textContent!.replace(/\s+/g, ' ').trim(), a.closest('section.tag')!.getAttribute('data-tag')] as [string, string | null]));
    expect(new Map(placed)).toEqual(new Map(ops.map((o) => [`${o.method.toUpperCase()} ${o.path}`, o.tags[0]])));
    const order = await page.locator('section.tag').evaluateAll((s) => s.map((e) => e.getAttribute('data-tag')));
    expect(order).toEqual(doc.tags.map((t) => t.name).filter((t) => order.includes(t)));
    // Every in-page link lands on an element: the contents, each tag's index, $ref links to shared schemas.
    const missing = await page.locator('a[href^="#"]').evaluateAll((links) =>
      links.filter((a) => !a.ownerDocument.getElementById(a.getAttribute('href')!.slice(1))).map((a) => a.getAttribute('href')));
    expect(missing).toEqual([]);
    expect(await page.locator('nav a[href^="#tag-"]').count()).toBe(order.length);
    // An operation in full: method, path, summary, parameters in the path, the body schema, the responses.
    await page.locator('.op-index a[href="#op-put-api-v1-vehicles-vehicleId-target"]').click();
    expect(page.url()).toMatch(/#op-put-api-v1-vehicles-vehicleId-target$/);
    const op = page.locator('#op-put-api-v1-vehicles-vehicleId-target');
    await see.text(page, '#op-put-api-v1-vehicles-vehicleId-target .op-title', 'PUT');
    await see.text(page, '#op-put-api-v1-vehicles-vehicleId-target .op-summary', doc.paths['/api/v1/vehicles/{vehicleId}/target']!.put!.summary);
    expect(await op.locator('.params li').first().innerText()).toMatch(/vehicleId\s+in path\s+string\s+required/);
    expect(await op.innerText()).toMatch(/Request body/);
    expect(await op.innerText()).toMatch(/departure/);
    expect(await op.locator('.responses > li').count()).toBe(Object.keys((doc.paths['/api/v1/vehicles/{vehicleId}/target']!.put as unknown as { responses: object }).responses).length);
    // Errors name the shared schema, which has its own section.
    await op.locator('.responses a[href="#schema-Error"]').first().click();
    await see.text(page, '#schema-Error', 'code');
    await page.screenshot({ path: `${ARTIFACTS}/api-docs-desk.png` });
    await op.screenshot({ path: `${ARTIFACTS}/api-docs-desk-operation.png` });
    // The raw document, where it was.
    const json = await page.request.get(`${product.url}/api/docs/json`);
    expect(await json.json()).toEqual(doc);
    expect((await page.request.get(`${product.url}/api/docs/`)).url()).toBe(`${product.url}/api/docs`);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it('narrows the list with its filter', async () => {
    const context = await newContext(browser, 'desk');
    const page = await context.newPage();
    await page.goto(`${product.url}/api/docs`);
    const ops = operations();
    await page.getByLabel('Find an operation').fill('post target');
    const wanted = ops.filter((o) => o.method === 'post' && `${o.path} ${o.summary} ${o.tags.join(' ')}`.toLowerCase().includes('target'));
    expect(wanted.length).toBeGreaterThan(0);
    await see.text(page, '#api-filter-status', `${wanted.length} of ${ops.length} operations`);
    await expect.poll(() => page.locator('article.op:visible').count()).toBe(wanted.length);
    // Tags left without a match are hidden too.
    expect(await page.locator('section.tag:visible').count()).toBe(new Set(wanted.map((o) => o.tags[0])).size);
    await page.getByLabel('Find an operation').fill('');
    await expect.poll(() => page.locator('article.op:visible').count()).toBe(ops.length);
    await context.close();
  }, 60_000);

  it('fits a phone: no sideways scrolling at 390 px, long paths wrap (light and dark)', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const context = await newContext(browser, 'phone');
      const page = await context.newPage();
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(`${product.url}/api/docs`);
      await see.count(page, 'article.op', operations().length);
      // Nothing sticks out of the screen (named, to say which), and so the page does not scroll sideways.
      const wide = await page.locator('body *').evaluateAll((els) =>
        els.filter((e) => e.getBoundingClientRect().right > 390.5).map((e) => e.outerHTML.slice(0, 160)));
      expect(wide).toEqual([]);
      const overflowing = await page.locator('body *').evaluateAll((els) =>
        els.filter((e) => e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0).map((e) => `${e.scrollWidth}/${e.clientWidth} ${e.outerHTML.slice(0, 200)}`));
      expect(overflowing).toEqual([]);
      expect(await page.locator('html').evaluate((html) => html.scrollWidth)).toBeLessThanOrEqual(390);
      // The longest path breaks after its slashes rather than running off.
      const longest = operations().reduce((a, b) => (b.path.length > a.path.length ? b : a));
      const title = page.locator(`article.op[data-search^="${longest.method} ${longest.path.toLowerCase()} "] h3`);
      const box = (await title.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(390);
      await page.screenshot({ path: `${ARTIFACTS}/api-docs-phone-${scheme}.png` });
      await page.locator('#op-put-api-v1-vehicles-vehicleId-target').screenshot({ path: `${ARTIFACTS}/api-docs-phone-${scheme}-operation.png` });
      await context.close();
    }
  }, 90_000);
});
