import * as fs from 'node:fs';
import * as path from 'node:path';
import { Annotations, Duration, RemovalPolicy, Resource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import {
  ACCESS_DENIED_DELAYS_MS,
  LOG_GROUP_ENV,
  POLL_WINDOW_ENV,
  POLL_WINDOW_SECONDS,
  PROVIDER_ID,
  SDK_CONNECT_TIMEOUT_MS,
  SDK_MAX_ATTEMPTS,
  SDK_REQUEST_TIMEOUT_MS,
} from '../lambda/contract';
import { acknowledgeProviderFindings, acknowledgeSessionsWildcard } from './nag-acknowledgements';

/** The bundled handler: built by `npm run bundle` (run by `npm ci` through `prepare`) and shipped in the package. */
const HANDLER_ASSET = path.join(__dirname, '..', 'lambda-dist', 'session-handler');

/** The longest one SDK call can take: every attempt connects and waits for its response (SDK backoff is under a second). */
const SDK_CALL_MAX = Duration.millis(SDK_MAX_ATTEMPTS * (SDK_CONNECT_TIMEOUT_MS + SDK_REQUEST_TIMEOUT_MS + 1_000));
/** How long StartSession may wait out IAM propagation: the handler's AccessDenied delays, added up. */
const ACCESS_DENIED_WAIT = Duration.millis(ACCESS_DENIED_DELAYS_MS.reduce((sum, ms) => sum + ms, 0));
/**
 * How many SDK calls in a row each function's timeout allows for, each at its longest. onEvent makes
 * one to three (GetSession, then Tag/UntagResource or TerminateSession); isComplete of a requested
 * session up to four StartSession (the IAM wait) and a GetSession, then, when the request fails, a
 * TerminateSession and the search for what it started. Searches answer in well under a second a
 * call when the service is well, so the allowance below covers a search through many sessions.
 */
const SDK_CALLS_PER_INVOCATION = { onEvent: 5, isComplete: 6 };
/** How long one isComplete invocation may poll before it answers "not yet"; its last poll is one of the calls counted above. */
const POLL_WINDOW = Duration.seconds(POLL_WINDOW_SECONDS);
/** Room for a search through an application's sessions (ListSessions, then GetSession each), beyond the calls counted above. */
const SEARCH_ALLOWANCE = Duration.minutes(2);

/**
 * How the Provider framework's waiter asks isComplete again. Each isComplete invocation polls the
 * session every couple of seconds for up to POLL_WINDOW_SECONDS before it answers "not yet", so the
 * waiter only has to bridge a short gap between two invocations: a session that becomes usable is
 * noticed within seconds (0.1 polled every 15 seconds, once an invocation).
 */
const QUERY_INTERVAL = Duration.seconds(2);
/**
 * The framework gives up on a request after this many waiter attempts (it counts them as
 * `totalTimeout / queryInterval`). An attempt that answers "not yet" lasts the poll window plus the
 * interval, so this many take about an hour. The handler's own limits (start timeout, terminate
 * timeout) are shorter, so it is the handler that fails a request, with a reason, and terminates
 * what it started.
 */
const WAITER_ATTEMPTS = Math.ceil(Duration.hours(1).toSeconds() / (POLL_WINDOW_SECONDS + QUERY_INTERVAL.toSeconds()));
const PROVIDER_TOTAL_TIMEOUT = Duration.seconds(WAITER_ATTEMPTS * QUERY_INTERVAL.toSeconds());
/** EMR Serverless's default limit of concurrent sessions per application (the Spark Connect user guide). */
const SESSIONS_PER_APPLICATION_QUOTA = 25;

/**
 * The per-stack singleton behind every `Session` in a stack: one handler, one Provider, one log
 * group and one policy, whatever the number of sessions.
 *
 * The policy grows by one ARN per application and one per execution role, never by a statement
 * per session, so that hundreds of sessions stay within IAM's 10,240-character inline-policy limit.
 *
 * @internal
 */
export class SessionProvider extends Construct {
  public static getOrCreate(scope: Construct): SessionProvider {
    const stack = Stack.of(scope);
    return (stack.node.tryFindChild(PROVIDER_ID) as SessionProvider | undefined) ?? new SessionProvider(stack, PROVIDER_ID);
  }

  /** The custom resources' ServiceToken. */
  public readonly serviceToken: string;
  /** The log group of every function of the provider, named after the stack. */
  public readonly logGroup: logs.LogGroup;
  /** The session permissions; every session is deleted before them. */
  private readonly policy: iam.Policy;
  /** The framework's entry function: every session references it, so what it depends on, every session does. */
  private readonly entryFunction: Construct;

  private readonly applicationStatement = new iam.PolicyStatement({
    sid: 'StartAndListSessions',
    actions: ['emr-serverless:StartSession', 'emr-serverless:ListSessions'],
  });
  private readonly sessionStatement = new iam.PolicyStatement({
    sid: 'ManageSessions',
    actions: [
      'emr-serverless:GetSession',
      'emr-serverless:GetSessionEndpoint',
      'emr-serverless:TerminateSession',
      'emr-serverless:TagResource',
      'emr-serverless:UntagResource',
    ],
  });
  private readonly passRoleStatement = new iam.PolicyStatement({
    sid: 'PassExecutionRoles',
    actions: ['iam:PassRole'],
    conditions: { StringEquals: { 'iam:PassedToService': 'emr-serverless.amazonaws.com' } },
  });
  private readonly grants = new Map<string, number>();

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    if (!fs.existsSync(path.join(HANDLER_ASSET, 'index.js'))) {
      throw new Error(`the session handler bundle is missing at ${HANDLER_ASSET}: run 'npm run bundle'`);
    }

    const logGroup = (this.logGroup = new logs.LogGroup(this, 'Logs', {
      // A name a user can find from the stack alone; stack names are unique in an account and region.
      logGroupName: `/cdk-emr-serverless-session/${Stack.of(this).stackName}`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    }));
    const handlerRole = this.lambdaRole('HandlerRole', logGroup);
    const handler = (
      name: string,
      handlerExport: string,
      timeout: Duration,
      description: string,
      environment: Record<string, string> = {},
    ) =>
      new lambda.Function(this, name, {
        code: lambda.Code.fromAsset(HANDLER_ASSET),
        handler: `index.${handlerExport}`,
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: 256,
        timeout,
        role: handlerRole,
        logGroup,
        // One JSON object a line: the handler's decisions at INFO, the SDK's calls and retries at DEBUG.
        loggingFormat: lambda.LoggingFormat.JSON,
        applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
        systemLogLevelV2: lambda.SystemLogLevel.WARN,
        description,
        environment: { [LOG_GROUP_ENV]: logGroup.logGroupName, ...environment },
      });
    const onEvent = handler(
      'OnEvent',
      'onEvent',
      invocationTimeout(SDK_CALLS_PER_INVOCATION.onEvent),
      'Decides what each request does to an EMR Serverless session; terminates sessions',
    );
    const isComplete = handler(
      'IsComplete',
      'isComplete',
      invocationTimeout(SDK_CALLS_PER_INVOCATION.isComplete, ACCESS_DENIED_WAIT.plus(SEARCH_ALLOWANCE).plus(POLL_WINDOW)),
      'Starts EMR Serverless sessions and reports when they are ready or terminated',
      { [POLL_WINDOW_ENV]: String(POLL_WINDOW_SECONDS) },
    );

    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: onEvent,
      isCompleteHandler: isComplete,
      queryInterval: QUERY_INTERVAL,
      totalTimeout: PROVIDER_TOTAL_TIMEOUT,
      logGroup,
      frameworkOnEventRole: this.lambdaRole('FrameworkOnEventRole', logGroup),
      frameworkCompleteAndTimeoutRole: this.lambdaRole('FrameworkCompleteRole', logGroup),
    });
    this.serviceToken = provider.serviceToken;

    this.policy = new iam.Policy(this, 'SessionPermissions', {
      roles: [handlerRole],
      statements: [this.applicationStatement, this.sessionStatement, this.passRoleStatement],
    });
    // Every session references the framework's entry function (its ServiceToken), so making that
    // function depend on the policy orders every session after the policy on create and before it
    // on delete, so that Delete may still terminate: one DependsOn for the stack, not one per session.
    this.entryFunction = provider.node.findChild('framework-onEvent');
    this.entryFunction.node.addDependency(this.policy);

    acknowledgeProviderFindings(this, provider, [onEvent, isComplete]);
  }

  /**
   * Lets the handler start sessions on the application with the execution role, and manage them.
   * Granting the same application or role again adds nothing. `session` is where a warning about
   * the application's session quota goes.
   */
  public grantSessionLifecycle(session: Construct, applicationArn: string, executionRoleArn: string): void {
    const sessionsOnApplication = this.countGrant(applicationArn);
    if (sessionsOnApplication === 1) {
      const sessionsArn = applicationSessionsArn(applicationArn);
      this.applicationStatement.addResources(applicationArn);
      this.sessionStatement.addResources(sessionsArn);
      acknowledgeSessionsWildcard(this.policy, sessionsArn);
    }
    if (sessionsOnApplication === SESSIONS_PER_APPLICATION_QUOTA + 1) {
      Annotations.of(session).addWarningV2(
        'cdk-emr-serverless-session:sessions-per-application',
        `this stack declares more than ${SESSIONS_PER_APPLICATION_QUOTA} sessions on one application: EMR Serverless runs at most ` +
          `${SESSIONS_PER_APPLICATION_QUOTA} concurrent sessions per application by default, so the others fail with ` +
          'ServiceQuotaExceededException unless the quota has been raised',
      );
    }
    if (this.countGrant(executionRoleArn) === 1) {
      this.passRoleStatement.addResources(executionRoleArn);
    }
  }

  /**
   * Orders every session after an execution role defined in the app and all its policies (its
   * default policy included, with grants made later), and before them on delete, with one
   * dependency for the stack rather than one per session. An imported role is left alone.
   */
  public orderSessionsAfter(executionRole: iam.IRole): void {
    if (Resource.isOwnedResource(executionRole)) {
      this.entryFunction.node.addDependency(executionRole);
    }
  }

  /** How many times this resource has been granted, this time included. */
  private countGrant(arn: string): number {
    // Resolved, so that two references to the same resource (two tokens) count as one.
    const key = JSON.stringify(Stack.of(this).resolve(arn));
    const count = (this.grants.get(key) ?? 0) + 1;
    this.grants.set(key, count);
    return count;
  }

  /** A Lambda role with no managed policy: it may write to the provider's log group and nothing else. */
  private lambdaRole(id: string, logGroup: logs.LogGroup): iam.Role {
    const role = new iam.Role(this, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    return role;
  }
}

/**
 * Every session of an application, present and future: the narrowest resource for sessions whose
 * ids are not known at synth.
 */
export function applicationSessionsArn(applicationArn: string): string {
  return `${applicationArn}/sessions/*`;
}

/** A Lambda timeout for `calls` SDK calls in a row and any waiting besides, within Lambda's 15 minutes. */
function invocationTimeout(calls: number, waiting: Duration = Duration.seconds(0)): Duration {
  const timeout = Duration.millis(calls * SDK_CALL_MAX.toMilliseconds() + waiting.toMilliseconds());
  if (timeout.toMilliseconds() > 14 * 60_000) {
    throw new Error(`the handler's timeout of ${timeout.toHumanString()} leaves no room under Lambda's 15 minutes`);
  }
  return Duration.seconds(Math.ceil(timeout.toMilliseconds() / 1000));
}
