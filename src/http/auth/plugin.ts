import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import type { ApiTokenStore } from '../../domain/prices.js';
import type { Clock } from '../../platform/clock.js';
import { AuthError, authenticate } from './api-tokens.js';
import type { Principal } from './access.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who sent the request: set by the auth plugin, null when it carried no credentials. */
    principal: Principal | null;
  }
}

export interface AuthPluginDeps {
  tokens: ApiTokenStore;
  clock: Clock;
}

/**
 * Reads the caller's credentials once per request and sets `request.principal`. A request with a wrong token
 * fails with 401 here; a request without any passes with principal null, and routes that need someone call
 * `principalOf(request)`.
 */
export const authPlugin = fp<AuthPluginDeps>(
  async (app, deps) => {
    app.decorateRequest('principal', null);
    app.addHook('onRequest', async (request) => {
      const header = request.headers.authorization;
      if (header) {
        const t = authenticate(header, deps.tokens, deps.clock);
        request.principal = { kind: 'token', id: t.tokenId, name: t.name, grants: t.grants };
      }
    });
  },
  { name: 'chargeplan-auth' },
);

/** The request's principal, or 401 AUTH_MISSING. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AuthError('AUTH_MISSING', 'log in, or send an API token: Authorization: Bearer cpk_...', 401);
  return request.principal;
}
