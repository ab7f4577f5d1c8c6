/** The IPC messages between bench/ocpp.bench.ts (server side) and bench/ocpp/client.ts (the simulated stations). */

export interface RunOrder {
  type: 'run';
  /** ws://host:port/ocpp */
  base: string;
  ids: string[];
  password: string;
  /** 'load': every station sends one message per `period` s for `seconds`; 'pingpong': back-to-back Heartbeats. */
  mode: 'load' | 'pingpong';
  seconds: number;
  /** Aggregate offered load, messages per second (mode 'load'). */
  rate: number;
  /** How many handshakes (and boots) are in progress at once. */
  concurrency: number;
}

/** Connect these stations as a run does (and hold them, without load) before the measured run: warms the JIT up. */
export interface WarmOrder { type: 'warm'; base: string; ids: string[]; password: string; concurrency: number }

export type ToClient = RunOrder | WarmOrder | { type: 'close' };

export interface LoadReport {
  type: 'loadDone';
  sent: number;
  replies: number;
  /** CALLERRORs received. */
  errors: number;
  /** Ticks that found the station's previous CALL still unanswered (OCPP allows one in flight): not sent. */
  skipped: number;
  durationMs: number;
  p50: number;
  p99: number;
  max: number;
}

export type ToServer =
  | { type: 'connected'; connected: number; failed: number; connectMs: number; firstError?: string }
  | { type: 'warmed'; connected: number; failed: number; connectMs: number; firstError?: string }
  | LoadReport
  | { type: 'closed' };
