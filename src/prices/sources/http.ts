import { PriceError } from '../errors.js';

/**
 * The injected `fetch` (issue 4: tests never touch the network). Only the parts of the WHATWG fetch the sources
 * use, so a test can hand in a small fake or the global fetch.
 */
export type FetchLike = (
  url: string,
  init?: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal },
) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;

/**
 * GET/POST and return the body text, turning transport errors and HTTP statuses into PriceErrors that say whether
 * a retry can help: 408, 429 and 5xx can; 4xx (a wrong token, a bad area code) cannot.
 */
export async function fetchText(
  fetch: FetchLike,
  source: string,
  url: string,
  init?: Parameters<FetchLike>[1],
): Promise<string> {
  let res: Awaited<ReturnType<FetchLike>>;
  try {
    res = await fetch(url, init);
  } catch (cause) {
    throw new PriceError('PRICES_FETCH_FAILED', `${source}: request failed`, true, { cause });
  }
  const body = await res.text();
  if (!res.ok) {
    const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
    const code = res.status === 401 || res.status === 403 ? 'PRICES_AUTH_FAILED' : 'PRICES_HTTP_STATUS';
    throw new PriceError(code, `${source}: HTTP ${res.status}`, retryable);
  }
  return body;
}

export async function fetchJson(
  fetch: FetchLike,
  source: string,
  url: string,
  init?: Parameters<FetchLike>[1],
): Promise<unknown> {
  const text = await fetchText(fetch, source, url, init);
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new PriceError('PRICES_PARSE_FAILED', `${source}: response is not JSON`, false, { cause });
  }
}
