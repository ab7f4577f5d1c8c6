/**
 * What stations fetch and upload over the product's own HTTP port (issue 17): no login, the link's secret is the
 * credential (256 bits in the path, only its SHA-256 stored; docs/operations.md).
 *
 *   GET  /files/firmware/:token     L01: the image of this station's update, while it runs and until the link expires
 *   PUT  /files/logs/:token         N01: the log GetLog asked for, once (POST is taken too, as some chargers use it)
 *
 * Unknown links answer 404, spent or expired ones 410; an upload beyond files.maxLogMB 413 (and the request fails).
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import type { ApiContext } from './context.js';
import { errors, ok } from './schemas.js';
import { ErrorRef } from './schema-kit.js';
import { Type } from '@sinclair/typebox';
import { bodyCheckedByHandler } from './validation.js';
import { maintenanceCall } from './firmware-access.js';
import { Binary, LinkParams } from './firmware-schemas.js';

const tags = ['operations'];
const linkErrors = { ...errors(400), 404: ErrorRef('no such link (LINK_UNKNOWN)'), 410: ErrorRef('LINK_SPENT, LINK_EXPIRED or FILE_MISSING') };

export const stationFileRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const m = ctx.deps.maintenance;
  if (!m) return;
  // Whatever the station sends is the file: the body stays a stream, bounded while it is written.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.get('/files/firmware/:token', {
    schema: {
      tags, summary: 'A station downloads its firmware image (L01)', security: [],
      description: 'The `location` of an UpdateFirmware: works for that update only, while it runs, until the link expires. Content-Digest carries the SHA-256 (RFC 9530).',
      params: LinkParams, response: { 200: Binary('the image'), ...linkErrors },
    },
  }, async (request, reply) => {
    const { token } = request.params as { token: string };
    const d = await maintenanceCall(() => m.firmwareFiles.download(token));
    return reply.type('application/octet-stream').header('content-length', d.sizeBytes)
      .header('content-digest', `sha-256=:${Buffer.from(d.file.sha256, 'hex').toString('base64')}:`)
      .header('cache-control', 'no-store').send(d.stream);
  });

  const upload = {
    validatorCompiler: bodyCheckedByHandler,
    schema: {
      tags, summary: 'A station uploads the log GetLog asked for (N01)', security: [],
      description: 'The `remoteLocation` of a GetLog: one upload, before the link expires, at most files.maxLogMB (413).',
      params: LinkParams,
      body: { content: { 'application/octet-stream': { schema: Type.String({ format: 'binary' }) } } },
      response: { 201: ok(Type.Object({ received: Type.Integer({ description: 'bytes stored' }), sha256: Type.String() }), 'stored'), ...linkErrors, 413: ErrorRef('larger than files.maxLogMB (FILE_TOO_LARGE)') },
    },
  };
  const receive = async (request: FastifyRequest, reply: FastifyReply) => {
    const { token } = request.params as { token: string };
    const body = request.body as Readable | undefined;
    const name = request.headers['x-file-name'];
    const stream = body && typeof body.pipe === 'function' ? body : request.raw;
    const log = await maintenanceCall(() => m.logs.upload(token, stream, typeof name === 'string' && name.length <= 200 ? name : null));
    return reply.code(201).send({ received: log.sizeBytes ?? 0, sha256: log.sha256 ?? '' });
  };
  app.put('/files/logs/:token', upload, receive);
  app.post('/files/logs/:token', upload, receive);
  void ctx;
};
