/**
 * The custom-resource handler of `Custom::EmrServerlessSession`, served by the aws-cdk-lib
 * `custom_resources.Provider` framework: `onEvent` acts, `isComplete` is polled until it is done.
 */
import { EMRServerlessClient } from '@aws-sdk/client-emr-serverless';
import type { CdkCustomResourceIsCompleteEvent } from 'aws-lambda';
import { SessionResourceProperties } from './contract';
import { IsCompleteResponse, OnEventResponse, SessionEvent, SessionHandler } from './session-handler';

// The SDK's own endpoint resolution and retry policy (3 attempts, standard mode), so that
// AWS_ENDPOINT_URL_EMR_SERVERLESS or AWS_MAX_ATTEMPTS can steer it without a code change. The SDK
// sets no timeouts of its own: a connection that hangs would hold the Lambda until it times out,
// so each attempt is bounded, and a timed-out attempt is retried like any transient failure.
let client: EMRServerlessClient | undefined;
function emrServerless(): EMRServerlessClient {
  client ??= new EMRServerlessClient({ requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 } });
  return client;
}

export async function onEvent(event: SessionEvent): Promise<OnEventResponse> {
  return new SessionHandler(emrServerless(), event).onEvent();
}

export async function isComplete(event: CdkCustomResourceIsCompleteEvent<SessionResourceProperties>): Promise<IsCompleteResponse> {
  return new SessionHandler(emrServerless(), event).isComplete();
}
