import type { IdTokenType, IdTokenInfoType } from '../schemas/generated/AuthorizeResponse.js';
import type { HandlerContext } from './types.js';

/**
 * C01/E01: the status of an id token from the token table. Tokens of type NoAuthorization are not checked
 * by definition; an expired entry answers Expired; an unknown token answers Unknown unless the site accepts
 * all tokens.
 */
export async function idTokenInfo(token: IdTokenType, ctx: HandlerContext): Promise<IdTokenInfoType> {
  if (token.type === 'NoAuthorization') return { status: 'Accepted' };
  const entry = await ctx.services.idTokens.get(token.idToken, token.type);
  if (!entry) return { status: ctx.services.behaviour.acceptUnknownIdTokens ? 'Accepted' : 'Unknown' };
  if (entry.status === 'Accepted' && entry.expiresAt && entry.expiresAt <= ctx.now) {
    return { status: 'Expired', cacheExpiryDateTime: entry.expiresAt };
  }
  const info: IdTokenInfoType = { status: entry.status };
  if (entry.expiresAt) info.cacheExpiryDateTime = entry.expiresAt;
  if (entry.groupIdToken) info.groupIdToken = { idToken: entry.groupIdToken, type: 'Central' };
  return info;
}
