/**
 * The station page's message log (issue 16): the query and the view of GET /api/v1/stations/:stationId/frames, the
 * single source of their types and of their part of the OpenAPI document.
 */
import { Type, type Static } from '@sinclair/typebox';
import { FRAMES_KEPT_PER_STATION, FRAME_PAYLOAD_CHARS } from '../../domain/station-frames.js';
import { Iso, Nullable } from './schema-kit.js';

export const FramesQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: FRAMES_KEPT_PER_STATION, default: FRAMES_KEPT_PER_STATION, description: `newest frames to return (${FRAMES_KEPT_PER_STATION})` })),
}, { additionalProperties: false });
export type FramesQuery = Static<typeof FramesQuery>;

export const FrameView = Type.Object({
  direction: Type.Union([Type.Literal('in'), Type.Literal('out')], { description: 'in: the station sent it; out: the CSMS did' }),
  at: Iso('when this server read or sent it'),
  type: Type.Union([Type.Literal('CALL'), Type.Literal('CALLRESULT'), Type.Literal('CALLERROR')]),
  messageId: Type.String(),
  action: Nullable(Type.String({ description: 'a reply’s is the action of the CALL it answers; null when it answers no call we know' })),
  payload: Type.String({ description: `the payload’s JSON with passwords and private keys redacted, at most ${FRAME_PAYLOAD_CHARS} characters` }),
  payloadChars: Type.Integer({ description: 'the redacted payload’s full length' }),
  cut: Type.Boolean({ description: 'true when payload holds only the head of a longer payload' }),
});

export const FrameList = Type.Object({
  stationId: Type.String(),
  frames: Type.Array(FrameView, { maxItems: FRAMES_KEPT_PER_STATION, description: 'newest first' }),
});
