import type { FetchLike } from '../../../src/prices/sources/http.js';

/**
 * A scripted remote API (convention 9: fakes only at the edge of the world). Each route answers by URL prefix;
 * every request is recorded so tests can assert what was asked.
 */
export interface FakeResponse {
  status?: number;
  body: string | unknown;
}

export class FakeFetch {
  readonly requests: Array<{ url: string; method: string; headers: Record<string, string>; body?: string }> = [];
  private routes: Array<{ prefix: string; respond: (url: string) => FakeResponse | Error }> = [];

  on(prefix: string, respond: FakeResponse | Error | ((url: string) => FakeResponse | Error)): this {
    this.routes.push({ prefix, respond: typeof respond === 'function' ? respond : () => respond });
    return this;
  }

  readonly fetch: FetchLike = async (url, init) => {
    this.requests.push({ url, method: init?.method ?? 'GET', headers: init?.headers ?? {}, ...(init?.body ? { body: init.body } : {}) });
    const route = this.routes.find((r) => url.startsWith(r.prefix));
    if (!route) return { ok: false, status: 404, text: async () => 'no route' };
    const res = route.respond(url);
    if (res instanceof Error) throw res;
    const status = res.status ?? 200;
    const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
    return { ok: status >= 200 && status < 300, status, text: async () => text };
  };
}
