import { ProviderError } from '../providers/types.js';
import { AppError } from './errors.js';

/**
 * Maps a provider failure onto the envelope while keeping the provider's own code,
 * so the caller can tell retryable from permanent.
 */
export function fromProviderError(err: ProviderError): AppError {
  const appError = mapped(err);
  appError.fromProvider = true;
  return appError;
}

function mapped(err: ProviderError): AppError {
  const { httpStatus, providerCode, retryable, ambiguous, retryAfterSeconds, kind } = err.info;
  const details = {
    provider: err.provider,
    ...(providerCode !== undefined ? { providerCode } : {}),
    ...(httpStatus !== undefined ? { providerStatus: httpStatus } : {}),
    retryable,
    ...(ambiguous ? { ambiguous: true } : {}),
  };
  // details.reason tells apart what a user can act on: search another number (not_available), it is
  // yours already (already_owned), top up the provider account (insufficient_funds).
  switch (kind) {
    case 'not_available':
      return new AppError('CONFLICT', `${err.message} (the number is no longer available at ${err.provider})`, { reason: 'not_available', ...details });
    case 'already_owned':
      return new AppError('CONFLICT', `${err.message} (the ${err.provider} account used already holds this number)`, { reason: 'already_owned', ...details });
    case 'insufficient_funds':
      return new AppError('PAYMENT_REQUIRED', `${err.provider}: ${err.message}`, { reason: 'insufficient_funds', ...details });
    case 'rate_limited':
      return new AppError('RATE_LIMITED', `${err.provider} is rate limiting this account; retry later`, details, retryAfterSeconds ?? 1);
    case 'invalid_request':
      return new AppError('VALIDATION_ERROR', `${err.provider} rejected the request: ${err.message}`, details);
    case 'auth':
      return new AppError('PROVIDER_ERROR', `${err.provider} rejected this account's credentials`, details);
    default:
      return new AppError('PROVIDER_ERROR', `${err.provider}: ${err.message}`, details, retryable ? retryAfterSeconds : undefined);
  }
}

export function isProviderError(err: unknown): err is ProviderError {
  return err instanceof ProviderError;
}
