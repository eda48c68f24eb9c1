/**
 * The budgets the handler works within and the service limits it works against: tuned freely from
 * one release to the next (no deployed stack holds them), and the one source for both sides. The
 * construct derives the Lambda timeouts and the waiter's budget from them, the handler waits by
 * them, and the docs state them (`test/docs.test.ts`).
 *
 * Constants only, as `contract.ts`: `lib/` imports this file at synth time.
 */

/** EMR Serverless's default limit of concurrent sessions per application (the Spark Connect user guide). */
export const SESSIONS_PER_APPLICATION_QUOTA = 25;

/** The most tags EMR Serverless accepts on a session (TagResource and StartSession). */
export const SERVICE_TAGS_MAX = 200;

/** Bounds of the per-session start timeout; the upper bound leaves room under the provider's total timeout. */
export const START_TIMEOUT_DEFAULT_SECONDS = 20 * 60;
export const START_TIMEOUT_MIN_SECONDS = 60;
export const START_TIMEOUT_MAX_SECONDS = 45 * 60;

/**
 * How long Delete waits, from the moment it asked, for a session to reach TERMINATED before it
 * reports failure. Well under the provider's total timeout, so the handler, not the framework,
 * writes the reason.
 */
export const TERMINATE_TIMEOUT_SECONDS = 10 * 60;

/**
 * The bounds of every AWS SDK call the handler makes: a connection must open within the connect
 * timeout, a response arrive within the request timeout, and a call takes at most this many
 * attempts (the SDK's standard retry mode). The Lambda timeouts are computed from these.
 */
export const SDK_CONNECT_TIMEOUT_MS = 5_000;
export const SDK_REQUEST_TIMEOUT_MS = 30_000;
export const SDK_MAX_ATTEMPTS = 3;
/**
 * The request timeout of CloudFormation's DescribeStackResource, shorter than the session calls':
 * it reads one row, and one that does not answer is asked again at the next poll, 2 seconds later.
 * It keeps isComplete's Lambda timeout under Lambda's 15 minutes with one more call to make.
 */
export const CLOUDFORMATION_REQUEST_TIMEOUT_MS = 5_000;

/**
 * How long StartSession waits out an AccessDeniedException, in steps (35 seconds in all): the
 * policy that allows it may come from the same deployment, and IAM takes seconds to propagate.
 * The isComplete Lambda timeout leaves room for the whole wait.
 */
export const ACCESS_DENIED_DELAYS_MS = [5_000, 10_000, 20_000];

/**
 * How often a waiting request asks about its session: the Provider framework's waiter invokes
 * isComplete this long after each "not yet", and isComplete looks once. One look holds a Lambda
 * execution (two: the framework's isComplete waits on the handler's) for a fraction of a second, so
 * a starting session costs the account's concurrency almost nothing, and CloudFormation hears of a
 * usable session about a second after it is (README "Limits and quotas").
 */
export const POLL_INTERVAL_MS = 2_000;

/**
 * A poll window: how long one isComplete invocation would keep polling, every POLL_INTERVAL_MS,
 * before answering "not yet", as the function's environment names it (seconds). The construct sets
 * none, so that no invocation holds an execution while a session starts; the benchmark sets it to
 * measure that shape against this one. Unset or not a whole number: one poll an invocation.
 */
export const POLL_WINDOW_ENV = 'SESSION_HANDLER_POLL_WINDOW_SECONDS';
