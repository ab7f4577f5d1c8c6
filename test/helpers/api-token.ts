/**
 * Splits an API token `cpk_<16 hex id>_<43-char base64url secret>` into its parts. The secret may itself hold '_'
 * (even as its first character), so `split('_')` is wrong about 1 run in 64; this matches the format instead.
 */
export function tokenParts(token: string): { id: string; secret: string } {
  const m = /^cpk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) throw new Error(`not an API token: ${token.slice(0, 24)}…`);
  return { id: m[1]!, secret: m[2]! };
}
