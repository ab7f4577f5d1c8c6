import type { Handler } from './types.js';
import { idTokenInfo } from './id-token-info.js';

/** C01: Authorize answers from the token table. */
export const authorize: Handler<'Authorize'> = async (req, ctx) => ({ idTokenInfo: await idTokenInfo(req.idToken, ctx) });
