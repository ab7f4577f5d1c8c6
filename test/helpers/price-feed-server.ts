/**
 * A price feed on loopback, port 0, for tests of price sources through the product (issue 16, "fetch now"): it answers
 * an ENTSO-E A44 request with the real document bundled in test/fixtures/prices, or with the HTTP status a test sets.
 * Sources reach it through their configured base URL; nothing goes to the internet. It records the requests it got.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fixture } from '../prices/helpers/fixtures.js';

export interface PriceFeedServer {
  /** The ENTSO-E API's base URL on this server. */
  entsoeUrl: string;
  requests: URL[];
  /** The next answers are this status with this body (null: the fixture again). */
  fail(status: number | null, body?: string): void;
  close(): Promise<void>;
}

export async function startPriceFeed(document = 'entsoe-a44-de-lu-pt15m-2026-02.xml'): Promise<PriceFeedServer> {
  const xml = fixture(document);
  let failure: { status: number; body: string } | null = null;
  const requests: URL[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(url);
    if (failure) {
      res.writeHead(failure.status, { 'content-type': 'text/plain' }).end(failure.body);
      return;
    }
    if (url.pathname !== '/api' || url.searchParams.get('documentType') !== 'A44') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/xml' }).end(xml);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    entsoeUrl: `http://127.0.0.1:${port}/api`,
    requests,
    fail(status, body = '') {
      failure = status === null ? null : { status, body };
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
