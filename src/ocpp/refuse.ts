import type { Duplex } from 'node:stream';

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 409: 'Conflict', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

/**
 * Ends a refused handshake with a bare HTTP status; the reason goes to our log only, never to the client. It cannot
 * throw and cannot leave an error unhandled: the peer may have reset or closed the socket meanwhile (issue 20,
 * finding 1), and then there is nobody to answer.
 */
export function refuse(socket: Duplex, status: number, retryAfterS?: number): void {
  if (socket.listenerCount('error') === 0) socket.on('error', () => {});
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const headers = [`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}`, 'Connection: close', 'Content-Length: 0'];
  if (status === 401) headers.push('WWW-Authenticate: Basic realm="OCPP", charset="UTF-8"');
  if (retryAfterS !== undefined) headers.push(`Retry-After: ${retryAfterS}`);
  try {
    socket.end(`${headers.join('\r\n')}\r\n\r\n`);
  } catch {
    socket.destroy();
  }
}
