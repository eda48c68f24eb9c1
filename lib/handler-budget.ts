/**
 * The handler's budget, as arithmetic on the limits in lambda/shared/limits.ts: each Lambda
 * function's timeout (the SDK calls it may make in a row, each at its longest, and its waits) and
 * the Provider framework's waiter (how often it asks, and for how long at the least). The provider
 * reads them; nothing here is a number chosen twice.
 */
import { Duration, Token } from 'aws-cdk-lib';
import {
  ACCESS_DENIED_DELAYS_MS,
  CLOUDFORMATION_REQUEST_TIMEOUT_MS,
  POLL_INTERVAL_MS,
  SDK_CONNECT_TIMEOUT_MS,
  SDK_MAX_ATTEMPTS,
  SDK_REQUEST_TIMEOUT_MS,
  START_TIMEOUT_MAX_SECONDS,
  TERMINATE_TIMEOUT_SECONDS,
} from '../lambda/shared/limits';

/** The longest one SDK call can take: every attempt connects and waits for its response (SDK backoff is under a second). */
const SDK_CALL_MAX = sdkCallMax(SDK_REQUEST_TIMEOUT_MS);
/** The same for CloudFormation's DescribeStackResource, with its shorter request timeout. */
const CLOUDFORMATION_CALL_MAX = sdkCallMax(CLOUDFORMATION_REQUEST_TIMEOUT_MS);
/** How long StartSession may wait out IAM propagation: the handler's AccessDenied delays, added up. */
const ACCESS_DENIED_WAIT = Duration.millis(ACCESS_DENIED_DELAYS_MS.reduce((sum, ms) => sum + ms, 0));
/**
 * How many EMR Serverless calls in a row each function's timeout allows for, each at its longest.
 * onEvent makes one to three (GetSession, then Tag/UntagResource or TerminateSession); isComplete of
 * a requested session up to four StartSession (the IAM wait), a GetSession and a GetSessionEndpoint,
 * then, when the request fails, a TerminateSession and the search for what it started; and, once
 * the session is usable, CloudFormation's DescribeStackResource, allowed for on its own. Searches answer in well
 * under a second a call when the service is well, so the allowance below covers a search through
 * many sessions. The lifecycle suite counts every invocation's calls at the emulator and at
 * CloudFormation's stand-in, and fails on one over these numbers (`expectInvariants`), so this
 * count cannot drift from the handler.
 */
export const SDK_CALLS_PER_INVOCATION = { onEvent: 5, isComplete: 6 };
/** How many CloudFormation calls each function's timeout allows for, each at its longest: isComplete's one check. */
export const CLOUDFORMATION_CALLS_PER_INVOCATION = { onEvent: 0, isComplete: 1 };
/** Room for a search through an application's sessions (ListSessions, then GetSession each), beyond the calls counted above. */
const SEARCH_ALLOWANCE = Duration.minutes(2);

/** How long after each "not yet" the Provider framework's waiter invokes isComplete again, which looks once. */
const QUERY_INTERVAL = Duration.millis(POLL_INTERVAL_MS);
/**
 * How long the waiter keeps asking, at the least: the handler's own limits (the longest start
 * timeout, the terminate timeout) and five minutes more, so that it is the handler that ends a
 * request, with a reason, and terminates what it started. The framework counts it in attempts
 * (`totalTimeout / queryInterval`), and Step Functions counts an attempt whatever ended it: one
 * that Lambda throttled, or that failed at once, spends one as surely as one that said "not yet".
 * Each attempt lasts at least the interval, so this many attempts last at least this long,
 * throttled or not: the budget is one of time, not of answers.
 */
const WAITER_BUDGET = afterHandlerLimits(START_TIMEOUT_MAX_SECONDS);
/** The timeouts of the handler's two functions. */
export const HANDLER_TIMEOUTS = {
  onEvent: invocationTimeout('onEvent'),
  isComplete: invocationTimeout('isComplete', ACCESS_DENIED_WAIT.plus(SEARCH_ALLOWANCE)),
};

/** The waiter: isComplete again `queryInterval` after each "not yet", for at least `totalTimeout`. */
export const WAITER = { queryInterval: QUERY_INTERVAL, totalTimeout: WAITER_BUDGET };

/**
 * How long CloudFormation waits for a session's request (the resource's ServiceTimeout): a few
 * minutes after the handler's own limits for this start timeout, never an hour later. A start
 * timeout known only at deploy time may be as long as the longest allowed.
 */
export function serviceTimeoutFor(startTimeoutSeconds: number): Duration {
  // NaN: a token in a unit that cannot be converted, which synth refuses anyway.
  const known = !Token.isUnresolved(startTimeoutSeconds) && Number.isFinite(startTimeoutSeconds);
  return afterHandlerLimits(known ? startTimeoutSeconds : START_TIMEOUT_MAX_SECONDS);
}

/** Five minutes after the longer of the handler's start timeout and its terminate timeout. */
function afterHandlerLimits(startTimeoutSeconds: number): Duration {
  return Duration.seconds(Math.max(startTimeoutSeconds, TERMINATE_TIMEOUT_SECONDS) + 5 * 60);
}

function sdkCallMax(requestTimeoutMs: number): Duration {
  return Duration.millis(SDK_MAX_ATTEMPTS * (SDK_CONNECT_TIMEOUT_MS + requestTimeoutMs + 1_000));
}

/** A function's Lambda timeout: its SDK calls in a row, each at its longest, and any waiting besides, within Lambda's 15 minutes. */
function invocationTimeout(fn: keyof typeof SDK_CALLS_PER_INVOCATION, waiting: Duration = Duration.seconds(0)): Duration {
  const calls =
    SDK_CALLS_PER_INVOCATION[fn] * SDK_CALL_MAX.toMilliseconds() +
    CLOUDFORMATION_CALLS_PER_INVOCATION[fn] * CLOUDFORMATION_CALL_MAX.toMilliseconds();
  const timeout = Duration.millis(calls + waiting.toMilliseconds());
  if (timeout.toMilliseconds() > 14 * 60_000) {
    throw new Error(`the handler's timeout of ${timeout.toHumanString()} leaves no room under Lambda's 15 minutes`);
  }
  return Duration.seconds(Math.ceil(timeout.toMilliseconds() / 1000));
}
