import { isThrottlingError, isTransientError } from '@smithy/core/retry';
import type { SdkError } from '@smithy/types';

/** Error names with which EMR Serverless refuses a request without acting on it. */
const REFUSALS = new Set([
  'ValidationException',
  'ResourceNotFoundException',
  'ConflictException',
  'ServiceQuotaExceededException',
  'AccessDeniedException',
]);

/** The longest error text the handler puts into a CloudFormation reason (the response is capped at 4,096 bytes). */
const MAX_REASON_CHARS = 1000;

/** IAM said no: on StartSession right after a deployment changed the policy, possibly not for long. */
export function isAccessDenied(error: unknown): boolean {
  return errorName(error) === 'AccessDeniedException';
}

export function isNotFound(error: unknown): boolean {
  return errorName(error) === 'ResourceNotFoundException';
}

/**
 * Whether the service answered and said no, so that nothing was done.
 *
 * Anything else (a 5xx, throttling that outlasted the retries, a dropped connection) leaves open
 * whether the request took effect.
 */
export function isRefusal(error: unknown): boolean {
  return REFUSALS.has(errorName(error));
}

/**
 * Whether StartSession was refused because the application runs as many sessions as its quota
 * allows: a refusal that passes as other sessions end. Treated as final, it would let two
 * deliveries of one request disagree: one fails the request while the other, a moment later,
 * starts a session that CloudFormation never hears of (found by the random histories).
 */
export function isQuotaRefusal(error: unknown): boolean {
  return errorName(error) === 'ServiceQuotaExceededException';
}

/**
 * Whether a call failed for a reason that passes: a 5xx, throttling, a timeout or a dropped
 * connection, still failing after the SDK's own retries. Asking again later may well succeed.
 * The SDK's own classification, the one its retry strategy uses, so the two never disagree.
 */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) {
    return false;
  }
  const sdkError = error as SdkError;
  return isThrottlingError(sdkError) || isTransientError(sdkError);
}

/** `Name: message`, bounded in length, for a CloudFormation failure reason. */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return truncate(text, MAX_REASON_CHARS);
}

export function truncate(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 3)}...`;
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}
