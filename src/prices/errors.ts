/**
 * Typed errors with stable codes (convention 7). `retryable` tells a caller whether trying again can help:
 * a 503 from a feed can, a document we cannot parse cannot.
 */
export type PriceErrorCode =
  | 'PRICES_FETCH_FAILED'
  | 'PRICES_HTTP_STATUS'
  | 'PRICES_PARSE_FAILED'
  | 'PRICES_NOT_PUBLISHED'
  | 'PRICES_AMBIGUOUS_SEQUENCE'
  | 'PRICES_CURRENCY_MISMATCH'
  | 'PRICES_UNAVAILABLE'
  | 'PRICES_AUTH_FAILED'
  | 'TARIFF_INVALID';

export class PriceError extends Error {
  override readonly name = 'PriceError';
  constructor(
    readonly code: PriceErrorCode,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function parseFailed(source: string, detail: string, cause?: unknown): PriceError {
  return new PriceError('PRICES_PARSE_FAILED', `${source}: ${detail}`, false, cause === undefined ? undefined : { cause });
}
