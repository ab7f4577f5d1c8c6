/**
 * Uploading a firmware image (issue 17, L01), admins only, in its own scope: the body is the image, streamed to disk.
 *
 *   POST /api/v1/firmware?version=&fileName=&sha256=
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import { principalOf } from '../auth/plugin.js';
import type { ApiContext } from './context.js';
import { errors, ok } from './schemas.js';
import { ErrorRef } from './schema-kit.js';
import { bodyCheckedByHandler } from './validation.js';
import { fileView, maintenanceCall, requireAdmin } from './firmware-access.js';
import { FirmwareFileView, FirmwareUploadQuery } from './firmware-schemas.js';

const tags = ['operations'];

export const firmwareUploadRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const m = ctx.deps.maintenance;
  if (!m) return;
  // The image arrives as a stream, whatever its Content-Type: FileStore bounds it (files.maxFirmwareMB) while writing it.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.post('/api/v1/firmware', {
    validatorCompiler: bodyCheckedByHandler,
    schema: {
      tags, summary: 'Upload a firmware image (admins)',
      description: `The body is the image (Content-Type application/octet-stream), at most files.maxFirmwareMB (413 FILE_TOO_LARGE). Its SHA-256 is computed as it is stored; with \`sha256\` a different file is refused (400). Attach a signing certificate and signature with PUT …/signature for SecureFirmwareUpdate.`,
      querystring: FirmwareUploadQuery,
      body: { content: { 'application/octet-stream': { schema: Type.String({ format: 'binary' }) } } },
      response: { 201: ok(FirmwareFileView, 'stored'), ...errors(400, 401, 403), 413: ErrorRef('larger than files.maxFirmwareMB (FILE_TOO_LARGE)'), },
    },
  }, async (request, reply) => {
    const p = principalOf(request);
    requireAdmin(p);
    const q = request.query as FirmwareUploadQuery;
    const parsed = request.body as Readable | undefined;
    const body = parsed && typeof parsed.pipe === 'function' ? parsed : request.raw;
    const file = await maintenanceCall(() => m.firmwareFiles.upload(body, { version: q.version, fileName: q.fileName, sha256: q.sha256, by: p.name }));
    return reply.code(201).send(fileView(file));
  });

};
