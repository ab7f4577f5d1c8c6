/** One OCPP-J handshake, reported as its HTTP outcome (101 with the open socket, or the refusal's status). */
import WebSocket from 'ws';

export interface HandshakeOutcome {
  status: number;
  /** Retry-After of a refusal, in seconds, when given. */
  retryAfter: number | null;
  ws: WebSocket | null;
}

export function handshake(
  base: string,
  id: string,
  password: string | undefined,
  o: { user?: string; localAddress?: string; path?: string } = {},
): Promise<HandshakeOutcome> {
  const headers: Record<string, string> = {};
  if (password !== undefined) headers.authorization = `Basic ${Buffer.from(`${o.user ?? id}:${password}`).toString('base64')}`;
  const ws = new WebSocket(`${base}${o.path ?? '/ocpp'}/${encodeURIComponent(id)}`, ['ocpp2.0.1'], {
    headers,
    perMessageDeflate: false,
    ...(o.localAddress ? { localAddress: o.localAddress } : {}),
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ status: 101, retryAfter: null, ws }));
    ws.once('unexpected-response', (_req, res) => {
      const retry = res.headers['retry-after'];
      resolve({ status: res.statusCode ?? 0, retryAfter: retry === undefined ? null : Number(retry), ws: null });
      ws.terminate();
    });
    ws.once('error', reject);
  });
}
