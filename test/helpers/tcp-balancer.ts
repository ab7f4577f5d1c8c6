/**
 * A small TCP load balancer on a loopback port (issue 19's cluster tests and bench): each new connection goes to the
 * next backend in turn, and to the one after when a backend refuses the TCP connection (a killed node), as HAProxy's
 * `balance roundrobin` with `option redispatch` does. Bytes pass through untouched (WebSocket upgrades included); when
 * either side closes, the other is closed too. It reads the first line the backend answers with, so a test can count
 * WebSocket handshakes the product refused (anything but `HTTP/1.1 101`).
 */
import net from 'node:net';

export interface BalancerCounts {
  connections: number;
  /** Handshakes answered 101 Switching Protocols, per backend port. */
  upgraded: Record<number, number>;
  /** Handshakes answered otherwise: the status line, e.g. "HTTP/1.1 409 Conflict". */
  refused: string[];
  /** Connections no backend accepted. */
  unrouted: number;
}

export class TcpBalancer {
  private readonly server: net.Server;
  private backends: number[];
  private turn = 0;
  private readonly open = new Map<number, Set<net.Socket>>();
  readonly counts: BalancerCounts = { connections: 0, upgraded: {}, refused: [], unrouted: 0 };

  private constructor(backends: number[]) {
    this.backends = [...backends];
    this.server = net.createServer((client) => this.route(client));
  }

  static async listen(backends: number[]): Promise<TcpBalancer> {
    const lb = new TcpBalancer(backends);
    await new Promise<void>((resolve) => lb.server.listen(0, '127.0.0.1', resolve));
    return lb;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Client connections now passed to a backend. */
  openTo(port: number): number {
    return this.open.get(port)?.size ?? 0;
  }

  setBackends(ports: number[]): void {
    this.backends = [...ports];
  }

  private route(client: net.Socket): void {
    this.counts.connections++;
    client.pause();
    client.on('error', () => client.destroy());
    const order = this.backends.map((_, i) => this.backends[(this.turn + i) % this.backends.length]!);
    this.turn = (this.turn + 1) % Math.max(1, this.backends.length);
    const attempt = (k: number): void => {
      if (client.destroyed) return;
      const port = order[k];
      if (port === undefined) {
        this.counts.unrouted++;
        client.destroy();
        return;
      }
      const backend = net.connect({ port, host: '127.0.0.1' });
      const refused = () => attempt(k + 1); // nothing listens there (a killed node): the next backend
      backend.once('error', refused);
      backend.once('connect', () => {
        backend.off('error', refused);
        this.pipe(client, backend, port);
      });
    };
    attempt(0);
  }

  private pipe(client: net.Socket, backend: net.Socket, port: number): void {
    const set = this.open.get(port) ?? new Set<net.Socket>();
    this.open.set(port, set);
    set.add(client);
    let first = true;
    backend.on('data', (chunk: Buffer) => {
      if (first) {
        first = false;
        const line = chunk.subarray(0, Math.min(chunk.length, 200)).toString('latin1').split('\r\n')[0] ?? '';
        if (line.startsWith('HTTP/1.1 101')) this.counts.upgraded[port] = (this.counts.upgraded[port] ?? 0) + 1;
        else if (line.startsWith('HTTP/')) this.counts.refused.push(line);
      }
    });
    const end = () => {
      set.delete(client);
      client.destroy();
      backend.destroy();
    };
    backend.on('error', end);
    client.on('error', end);
    backend.on('close', end);
    client.on('close', end);
    client.pipe(backend);
    backend.pipe(client);
    client.resume();
  }

  async close(): Promise<void> {
    for (const set of this.open.values()) for (const s of set) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
