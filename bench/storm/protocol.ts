/** IPC messages of bench/storm.bench.ts with its server process (server.ts) and its station processes (stations.ts). */
import type { Iteration } from './iterations.js';

export type ServerMessage =
  | { type: 'ready'; ocppPort: number; httpPort: number; startMs: number }
  /**
   * The server's event-loop delay since the last such report (perf_hooks, 5 ms resolution), its longest iterations
   * by CPU time (iterations.ts; atS: seconds after the server was ready) and the longest by wall time.
   */
  | { type: 'loop'; p99Ms: number; maxMs: number; iterations: (Iteration & { atS: number })[]; iterationMaxWallMs: number }
  /** `--profile`: the CPU profile since the process started, written to `file`; `readyUs` on the profile's clock. */
  | { type: 'profile'; file: string; readyUs: number };

export type StationOrder =
  | { type: 'fleet'; base: string; ids: string[]; password: string; addresses: string[] }
  | { type: 'probe'; base: string; id: string; password: string; address: string; intervalMs: number }
  | { type: 'flood'; base: string; id: string; password: string; address: string; perSecond: number; seconds: number }
  | { type: 'legit'; base: string; id: string; password: string; address: string; intervalMs: number; seconds: number }
  /** Start counting from now (the moment the server was killed, or a phase began). */
  | { type: 'mark' }
  | { type: 'report' }
  | { type: 'stop' };

export interface Latency {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export type StationReport =
  /** The fleet: every station connected again, `ms` after the last mark. */
  | { type: 'allConnected'; ms: number; attempts: number; refusedForLoad: number; refusedOther: number; connectErrors: number; byStatus: Record<string, number> }
  /** The probe: heartbeat round trips since the last mark; `lost` = heartbeats whose connection closed first. */
  | { type: 'probe'; rtt: Latency; lost: number }
  /** The flood: handshakes sent and how they were answered. */
  | { type: 'flood'; sent: number; byStatus: Record<string, number>; errors: number; seconds: number }
  /** A legitimate station's handshakes (connect to open) while the flood ran. */
  | { type: 'legit'; handshake: Latency; byStatus: Record<string, number>; errors: number };
