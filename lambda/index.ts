/**
 * The custom-resource handler of `Custom::EmrServerlessSession`, served by the aws-cdk-lib
 * `custom_resources.Provider` framework: `onEvent` decides, `isComplete` is polled until it is done.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EMRServerlessClient } from '@aws-sdk/client-emr-serverless';
import { LOG_GROUP_ENV } from './shared/contract';
import {
  CLOUDFORMATION_REQUEST_TIMEOUT_MS,
  POLL_WINDOW_ENV,
  SDK_CONNECT_TIMEOUT_MS,
  SDK_MAX_ATTEMPTS,
  SDK_REQUEST_TIMEOUT_MS,
} from './shared/limits';
import { HandlerClients, IsCompleteResponse, OnEventResponse, SessionEvent, SessionHandler } from './session-handler';

// The SDK's own endpoint resolution and retry policy (standard mode), so that
// AWS_ENDPOINT_URL_EMR_SERVERLESS and AWS_ENDPOINT_URL_CLOUDFORMATION can steer it without a code
// change. The SDK sets no timeouts of its own: a connection that hangs would hold the Lambda until
// it times out, so each attempt is bounded, and a timed-out attempt is retried like any transient failure.
function clientConfig(requestTimeoutMs: number) {
  return {
    maxAttempts: SDK_MAX_ATTEMPTS,
    requestHandler: { connectionTimeout: SDK_CONNECT_TIMEOUT_MS, requestTimeout: requestTimeoutMs },
    logger: SDK_DEBUG_LOG,
  };
}
let clients: HandlerClients | undefined;
function handlerClients(): HandlerClients {
  clients ??= {
    emrServerless: new EMRServerlessClient(clientConfig(SDK_REQUEST_TIMEOUT_MS)),
    cloudFormation: new CloudFormationClient(clientConfig(CLOUDFORMATION_REQUEST_TIMEOUT_MS)),
  };
  return clients;
}

/**
 * The SDK's own log (each call, with its attempts and retry delay) at DEBUG, below the handler's
 * decisions at INFO: the functions log at INFO unless their application log level is raised. The
 * SDK redacts the fields its model marks sensitive (GetSessionEndpoint's auth token, Spark properties).
 */
const SDK_DEBUG_LOG = {
  trace: () => undefined,
  debug: (...entry: unknown[]) => console.debug(JSON.stringify({ sdk: entry })),
  info: (...entry: unknown[]) => console.debug(JSON.stringify({ sdk: entry })),
  warn: (...entry: unknown[]) => console.warn(JSON.stringify({ sdk: entry })),
  error: (...entry: unknown[]) => console.debug(JSON.stringify({ sdk: entry })),
};

export async function onEvent(event: SessionEvent): Promise<OnEventResponse> {
  return withLogGroupInReason(() => new SessionHandler(handlerClients(), event).onEvent());
}

export async function isComplete(event: SessionEvent): Promise<IsCompleteResponse> {
  return withLogGroupInReason(() => new SessionHandler(handlerClients(), event, { pollWindowMs: pollWindowMs() }).isComplete());
}

/** The poll window the construct set in the function's environment; anything else means one poll an invocation. */
function pollWindowMs(): number {
  const seconds = Number(process.env[POLL_WINDOW_ENV]);
  return Number.isInteger(seconds) && seconds > 0 ? seconds * 1000 : 0;
}

/**
 * A failure reason that names the log group the handler really writes to. The framework appends
 * `Logs: /aws/lambda/<function>`, a group these functions do not use: they log to the provider's.
 */
async function withLogGroupInReason<T>(handle: () => Promise<T>): Promise<T> {
  try {
    return await handle();
  } catch (error) {
    const logGroup = process.env[LOG_GROUP_ENV];
    if (logGroup && error instanceof Error) {
      error.message = `${error.message} (handler log group: ${logGroup})`;
    }
    throw error;
  }
}
