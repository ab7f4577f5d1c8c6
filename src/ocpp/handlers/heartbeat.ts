import type { Handler } from './types.js';

/** G02: the heartbeat answers with the CSMS's time so the station can synchronise its clock (B01.FR.06). */
export const heartbeat: Handler<'Heartbeat'> = (_req, ctx) => ({ currentTime: ctx.now });
