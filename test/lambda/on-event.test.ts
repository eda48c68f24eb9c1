import {
  EMRServerlessClient,
  EMRServerlessServiceException,
  GetSessionCommand,
  ListSessionsCommand,
  ResourceNotFoundException,
  StartSessionCommand,
  TagResourceCommand,
  TerminateSessionCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-emr-serverless';
import { mockClient } from 'aws-sdk-client-mock';
import { CREATE_FAILED_MARKER } from '../../tools/local-cloud/cloudformation-driver';
import 'aws-sdk-client-mock-jest';
import { deriveClientToken } from '../../lambda/client-token';
import { CLIENT_TOKEN_TAG, KEPT_BY_TAG } from '../../lambda/shared/contract';
import { SessionEvent, SessionHandler } from '../../lambda/session-handler';
import {
  APPLICATION_ID,
  buildCreateEvent,
  buildDeleteEvent,
  buildUpdateEvent,
  properties,
  requestedAnswer,
  requestedIdOf,
  RESPONSE_URL,
  SESSION_ARN,
  SESSION_ID,
} from '../fixtures/events';
import { testClients } from '../fixtures/clients';
import { serviceError } from '../fixtures/errors';
import { NOW, sessionIn } from '../fixtures/sessions';

const emr = mockClient(EMRServerlessClient);
const OTHER_SESSION_ID = '00fsession000002';

async function onEvent(event: SessionEvent) {
  return new SessionHandler(testClients(), event, { now: () => NOW }).onEvent();
}

function serverError(name = 'InternalServerException'): Error {
  return new EMRServerlessServiceException({ name, $fault: 'server', $metadata: { httpStatusCode: 500 }, message: 'internal error' });
}

let logSpy: jest.SpyInstance;
beforeEach(() => {
  emr.reset();
  logSpy = jest.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => logSpy.mockRestore());

describe('onEvent: create', () => {
  test('starts nothing: it names the session it asks for by the application and the client token', async () => {
    const event = buildCreateEvent();
    const response = await onEvent(event);

    expect(response).toEqual({
      PhysicalResourceId: `cdk-emr-serverless-session:requested:${APPLICATION_ID}:${deriveClientToken(event)}`,
      StartRequestedAt: NOW.toISOString(),
    });
    expect(emr.calls()).toHaveLength(0);
  });

  test('the same event delivered twice names the same session', async () => {
    expect(await onEvent(buildCreateEvent())).toEqual(await onEvent(buildCreateEvent()));
  });

  test('the token is 64 characters that StartSession accepts, and differs per request and per resource', () => {
    const event = buildCreateEvent();
    const token = deriveClientToken(event);
    expect(token).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
    expect(token).toHaveLength(64);
    expect(deriveClientToken({ ...event, RequestId: 'another-request' })).not.toBe(token);
    expect(deriveClientToken({ ...event, LogicalResourceId: 'OtherSession' })).not.toBe(token);
    expect(deriveClientToken({ ...event, StackId: event.StackId.replace('SessionStack', 'OtherStack') })).not.toBe(token);
  });

  test.each([
    ['IdleTimeoutMinutes', { IdleTimeoutMinutes: 'thirty' }, /IdleTimeoutMinutes must be a whole number of 0 or more, got 'thirty'/],
    ['StartTimeoutSeconds', { StartTimeoutSeconds: '-1' }, /StartTimeoutSeconds must be a whole number of 0 or more, got '-1'/],
    ['StartTimeoutSeconds', { StartTimeoutSeconds: '1.5' }, /StartTimeoutSeconds must be a whole number of 0 or more, got '1.5'/],
    ['ApplicationId', { ApplicationId: '' }, /ApplicationId and ExecutionRoleArn are required/],
    ['ExecutionRoleArn', { ExecutionRoleArn: '' }, /ApplicationId and ExecutionRoleArn are required/],
  ])('fails on an invalid %s, before any session is asked for', async (_key, change, message) => {
    await expect(onEvent(buildCreateEvent(properties(change)))).rejects.toThrow(message);
    expect(emr.calls()).toHaveLength(0);
  });
});

describe('onEvent: an unknown request type', () => {
  test.each(['onEvent', 'isComplete'] as const)('%s fails with the type it got', async (entry) => {
    const event = { ...buildCreateEvent(), RequestType: 'Refresh' } as unknown as SessionEvent;
    const handler = new SessionHandler(testClients(), event);
    await expect(handler[entry]()).rejects.toThrow("unknown RequestType 'Refresh': expected Create, Update or Delete");
    expect(emr.calls()).toHaveLength(0);
  });
});

describe('onEvent: update', () => {
  // The session the physical id names, started with the properties of `properties()`.
  const runningSession = sessionIn('IDLE', SESSION_ID, {
    name: 'analytics',
    idleTimeoutMinutes: 30,
    configurationOverrides: { runtimeConfiguration: [{ classification: 'spark-defaults', properties: { 'spark.executor.memory': '4g' } }] },
  });
  beforeEach(() => emr.on(GetSessionCommand).resolves({ session: runningSession }));

  test.each([
    ['ApplicationId', { ApplicationId: 'otherapplication1' }],
    ['ExecutionRoleArn', { ExecutionRoleArn: 'arn:aws:iam::123456789012:role/Other' }],
    ['Name', { Name: 'renamed' }],
    ['IdleTimeoutMinutes', { IdleTimeoutMinutes: '45' }],
    [
      'RuntimeConfiguration',
      { RuntimeConfiguration: [{ Classification: 'spark-defaults', Properties: { 'spark.executor.memory': '8g' } }] },
    ],
    ['RuntimeConfiguration', { RuntimeConfiguration: undefined }],
  ])('a change of %s asks for a new session, with the token of the update, and starts none yet', async (key, change) => {
    const event = buildUpdateEvent(properties(change));
    const response = await onEvent(event);

    const applicationId = key === 'ApplicationId' ? 'otherapplication1' : APPLICATION_ID;
    expect(response).toEqual(requestedAnswer(event, applicationId));
    expect(requestedIdOf(event)).not.toBe(requestedIdOf(buildCreateEvent()));
    expect(emr).toHaveReceivedCommandTimes(StartSessionCommand, 0);
  });

  test('old properties that no longer parse count as changed: a session running with the new ones is kept', async () => {
    const unparseable = { ...properties(), IdleTimeoutMinutes: 'half an hour' };
    const response = await onEvent(buildUpdateEvent(properties(), unparseable));
    expect(response).toEqual({ PhysicalResourceId: SESSION_ARN });
    expect(emr).toHaveReceivedCommandTimes(StartSessionCommand, 0);
  });

  test('an absent idle timeout is the service default of 60 minutes, in a session and in a change', async () => {
    emr.on(GetSessionCommand).resolves({ session: { ...runningSession, idleTimeoutMinutes: 60 } });
    const response = await onEvent(
      buildUpdateEvent(properties({ IdleTimeoutMinutes: undefined }), properties({ IdleTimeoutMinutes: '60' })),
    );
    expect(response).toEqual({ PhysicalResourceId: SESSION_ARN });
  });

  test('an empty runtime configuration is none, in a session and in a change', async () => {
    emr.on(GetSessionCommand).resolves({ session: { ...runningSession, configurationOverrides: { runtimeConfiguration: [] } } });
    const failedUpdate = properties({ RuntimeConfiguration: [{ Classification: 'spark-defaults' }] });
    const response = await onEvent(buildUpdateEvent(properties({ RuntimeConfiguration: [] }), failedUpdate));
    expect(response).toEqual({ PhysicalResourceId: SESSION_ARN });
  });

  test('a rollback to properties the session does not run with asks for a new session', async () => {
    emr.on(GetSessionCommand).resolves({ session: { ...runningSession, name: 'another' } });
    const event = buildUpdateEvent(properties(), properties({ Name: 'renamed' }));
    expect(await onEvent(event)).toEqual(requestedAnswer(event));
  });

  test('a physical id that names no started session (that of a failed request) asks for a new session', async () => {
    const failedCreate = buildCreateEvent(properties(), 'failed-request');
    const event = buildUpdateEvent(properties(), properties(), requestedIdOf(failedCreate));
    expect(await onEvent(event)).toEqual(requestedAnswer(event));
    expect(emr.calls()).toHaveLength(0);
  });

  test('a physical id that names nothing of ours (the framework marker of a failed create) asks for a new session', async () => {
    const event = buildUpdateEvent(properties(), properties(), CREATE_FAILED_MARKER);
    expect(await onEvent(event)).toEqual(requestedAnswer(event));
    expect(emr.calls()).toHaveLength(0);
  });

  test('old properties that no longer parse: the kept session still loses the tags the old properties set', async () => {
    emr.on(UntagResourceCommand).resolves({});
    emr.on(TagResourceCommand).resolves({});
    const unparseable = { ...properties(), IdleTimeoutMinutes: 'half an hour', Tags: { team: 'analytics', retired: 'yes' } };
    const event = buildUpdateEvent(properties(), unparseable);
    await onEvent(event);
    expect(emr).toHaveReceivedCommandWith(UntagResourceCommand, { resourceArn: SESSION_ARN, tagKeys: ['retired'] });
    // Only the library's own mark of the request that kept it: the user's tags are as they were.
    expect(emr).toHaveReceivedCommandWith(TagResourceCommand, {
      resourceArn: SESSION_ARN,
      tags: { [KEPT_BY_TAG]: deriveClientToken(event) },
    });
  });

  test('a session started without a runtime configuration is kept by a rollback that asks for none', async () => {
    const { configurationOverrides: _none, ...withoutConfiguration } = runningSession;
    emr.on(GetSessionCommand).resolves({ session: withoutConfiguration });
    const rollback = buildUpdateEvent(
      properties({ RuntimeConfiguration: undefined }),
      properties({ Name: 'renamed', RuntimeConfiguration: undefined }),
    );
    expect(await onEvent(rollback)).toEqual({ PhysicalResourceId: SESSION_ARN });
  });

  test('a session whose Spark properties the service lists in another order still runs with them: kept by a rollback', async () => {
    const sparkProperties = { 'spark.a': '1', 'spark.b': '2', 'spark.c': '3' };
    emr.on(GetSessionCommand).resolves({
      session: {
        ...runningSession,
        configurationOverrides: {
          runtimeConfiguration: [{ classification: 'spark-defaults', properties: { 'spark.c': '3', 'spark.a': '1', 'spark.b': '2' } }],
        },
      },
    });
    const asked = properties({ RuntimeConfiguration: [{ Classification: 'spark-defaults', Properties: sparkProperties }] });
    expect(await onEvent(buildUpdateEvent(asked, properties({ Name: 'renamed' })))).toEqual({ PhysicalResourceId: SESSION_ARN });
  });

  test('runtime configuration keys in another order are the same configuration, not a change', async () => {
    const configuration = (properties: Record<string, string>) => [{ Classification: 'spark-defaults', Properties: properties }];
    const oldProps = properties({ RuntimeConfiguration: configuration({ 'spark.a': '1', 'spark.c': '3', 'spark.b': '2' }) });
    const newProps = properties({ RuntimeConfiguration: configuration({ 'spark.b': '2', 'spark.a': '1', 'spark.c': '3' }) });
    expect(await onEvent(buildUpdateEvent(newProps, oldProps))).toEqual({ PhysicalResourceId: SESSION_ARN });
    const changed = properties({ RuntimeConfiguration: configuration({ 'spark.b': '2', 'spark.a': '1', 'spark.c': '4' }) });
    const event = buildUpdateEvent(changed, oldProps);
    expect(await onEvent(event)).toEqual(requestedAnswer(event));
  });

  test("an attributes revision alone changes none of the user's tags: only the mark of the request that kept the session", async () => {
    const event = buildUpdateEvent(properties({ AttributesRevision: '2' }), properties({ AttributesRevision: '1' }));
    const response = await onEvent(event);
    expect(response).toEqual({ PhysicalResourceId: SESSION_ARN });
    expect(emr).toHaveReceivedCommandWith(TagResourceCommand, {
      resourceArn: SESSION_ARN,
      tags: { [KEPT_BY_TAG]: deriveClientToken(event) },
    });
    expect(emr).toHaveReceivedCommandTimes(UntagResourceCommand, 0);
  });

  test.each(['TERMINATED', 'FAILED'])(
    'the same Update delivered again after the session it kept has %s keeps it again: it starts no session CloudFormation never hears of',
    async (state) => {
      const event = buildUpdateEvent(properties({ Tags: { team: 'data' } }));
      emr
        .on(GetSessionCommand)
        .resolves({ session: { ...sessionIn(state, SESSION_ID), tags: { [KEPT_BY_TAG]: deriveClientToken(event) } } });
      expect(await onEvent(event)).toEqual({ PhysicalResourceId: SESSION_ARN });
      expect(emr).toHaveReceivedCommandTimes(StartSessionCommand, 0);
      expect(emr).toHaveReceivedCommandTimes(TagResourceCommand, 0);
      // Another request (a later deploy) still replaces the ended session.
      const later = { ...event, RequestId: 'a-later-request' };
      expect(await onEvent(later)).toEqual(requestedAnswer(later));
    },
  );

  test('a rollback to the properties the session runs with keeps it: no new session, the same physical id', async () => {
    // CloudFormation rolls a failed replacing update back with an Update to the old properties.
    const failedUpdate = properties({ Name: 'renamed', IdleTimeoutMinutes: '45' });
    const response = await onEvent(buildUpdateEvent(properties(), failedUpdate));

    expect(response).toEqual({ PhysicalResourceId: SESSION_ARN });
    expect(emr).toHaveReceivedCommandTimes(StartSessionCommand, 0);
  });

  test('a tag change is applied in place: no new session, the same physical id', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE', SESSION_ID) });
    const response = await onEvent(
      buildUpdateEvent(properties({ Tags: { team: 'data', owner: 'ana' } }), properties({ Tags: { team: 'analytics', cost: 'x' } })),
    );

    expect(response).toEqual({ PhysicalResourceId: SESSION_ARN });
    expect(emr).toHaveReceivedCommandTimes(StartSessionCommand, 0);
    expect(emr).toHaveReceivedCommandWith(TagResourceCommand, {
      resourceArn: SESSION_ARN,
      tags: { team: 'data', owner: 'ana', [KEPT_BY_TAG]: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    expect(emr).toHaveReceivedCommandWith(UntagResourceCommand, { resourceArn: SESSION_ARN, tagKeys: ['cost'] });
  });

  test("a change of the start timeout alone starts nothing and changes none of the user's tags", async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE', SESSION_ID) });
    const response = await onEvent(buildUpdateEvent(properties({ StartTimeoutSeconds: '600' })));
    expect(response).toEqual({ PhysicalResourceId: SESSION_ARN });
    expect(emr).toHaveReceivedCommandTimes(StartSessionCommand, 0);
    expect(emr).toHaveReceivedCommandWith(TagResourceCommand, { tags: { [KEPT_BY_TAG]: expect.any(String) } });
    expect(emr).toHaveReceivedCommandTimes(UntagResourceCommand, 0);
  });

  test('a number and its string form are the same value, not a change', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE', SESSION_ID) });
    await onEvent(buildUpdateEvent(properties({ IdleTimeoutMinutes: '30' }), properties({ IdleTimeoutMinutes: 30 })));
    expect(emr).toHaveReceivedCommandTimes(StartSessionCommand, 0);
  });

  test.each(['TERMINATED', 'FAILED', 'TERMINATING'])('a tag change on a session that has %s starts a replacement', async (state) => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn(state, SESSION_ID) });
    const response = await onEvent(buildUpdateEvent(properties({ Tags: { team: 'data' } })));
    expect(response).toEqual({
      PhysicalResourceId: expect.stringMatching(/^cdk-emr-serverless-session:requested:/),
      StartRequestedAt: NOW.toISOString(),
    });
    expect(emr).toHaveReceivedCommandTimes(TagResourceCommand, 0);
  });

  test('a tag change on a session that is gone starts a replacement', async () => {
    emr.on(GetSessionCommand).rejects(new ResourceNotFoundException({ message: 'not found', $metadata: {} }));
    const event = buildUpdateEvent(properties({ Tags: { team: 'data' } }));
    expect(await onEvent(event)).toEqual(requestedAnswer(event));
  });
});

describe('onEvent: renewal', () => {
  const live = sessionIn('IDLE', SESSION_ID, {
    name: 'analytics',
    idleTimeoutMinutes: 30,
    configurationOverrides: { runtimeConfiguration: [{ classification: 'spark-defaults', properties: { 'spark.executor.memory': '4g' } }] },
  });
  const renewal = (mode: string, token: string) => properties({ RenewalMode: mode as 'ALWAYS', RenewalToken: token });
  const startedUnder = (token: string) => ({ ...live, tags: { 'cdk-emr-serverless-session:renewal-token': token } });

  test('IF_ENDED with a new token keeps a live session: same physical id, nothing started', async () => {
    emr.on(GetSessionCommand).resolves({ session: startedUnder('run-1') });
    const response = await onEvent(buildUpdateEvent(renewal('IF_ENDED', 'run-2'), renewal('IF_ENDED', 'run-1')));
    expect(response).toEqual({ PhysicalResourceId: SESSION_ARN });
  });

  test.each(['TERMINATED', 'FAILED', 'TERMINATING'])(
    'IF_ENDED with a new token asks for a new session when the old one is %s',
    async (state) => {
      emr.on(GetSessionCommand).resolves({ session: { ...startedUnder('run-1'), state: state as 'IDLE' } });
      const event = buildUpdateEvent(renewal('IF_ENDED', 'run-2'), renewal('IF_ENDED', 'run-1'));
      expect(await onEvent(event)).toEqual(requestedAnswer(event));
    },
  );

  test('ALWAYS with a new token asks for a new session, even when the old one is live', async () => {
    emr.on(GetSessionCommand).resolves({ session: startedUnder('run-1') });
    const event = buildUpdateEvent(renewal('ALWAYS', 'run-2'), renewal('ALWAYS', 'run-1'));
    expect(await onEvent(event)).toEqual(requestedAnswer(event));
  });

  test('ALWAYS: the rollback of a failed renewal keeps the session started under the old token', async () => {
    emr.on(GetSessionCommand).resolves({ session: startedUnder('run-1') });
    const rollback = buildUpdateEvent(renewal('ALWAYS', 'run-1'), renewal('ALWAYS', 'run-2'));
    expect(await onEvent(rollback)).toEqual({ PhysicalResourceId: SESSION_ARN });
  });

  test('ALWAYS with the same token and a tag change keeps the session', async () => {
    emr.on(GetSessionCommand).resolves({ session: startedUnder('run-1') });
    const event = buildUpdateEvent({ ...renewal('ALWAYS', 'run-1'), Tags: { team: 'data' } }, renewal('ALWAYS', 'run-1'));
    expect(await onEvent(event)).toEqual({ PhysicalResourceId: SESSION_ARN });
    expect(emr).toHaveReceivedCommandTimes(TagResourceCommand, 1);
  });

  test('fails on an unknown mode, or a mode without a token', async () => {
    await expect(onEvent(buildCreateEvent(renewal('SOMETIMES', 'run-1')))).rejects.toThrow(
      "RenewalMode must be one of IF_ENDED, ALWAYS with a RenewalToken, got 'SOMETIMES' and 'run-1'",
    );
    await expect(onEvent(buildCreateEvent(properties({ RenewalMode: 'ALWAYS' })))).rejects.toThrow(
      /with a RenewalToken, got 'ALWAYS' and ''/,
    );
  });
});

describe('onEvent: delete', () => {
  const asked = { TerminationRequestedAt: NOW.toISOString() };

  test('terminates a live session, and tells isComplete when it asked', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE', SESSION_ID) });
    const response = await onEvent(buildDeleteEvent());
    expect(response).toEqual(asked);
    expect(emr).toHaveReceivedCommandWith(TerminateSessionCommand, { applicationId: APPLICATION_ID, sessionId: SESSION_ID });
  });

  test('acts on the session the physical id names, even when the application property changed', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE', SESSION_ID) });
    await onEvent(buildDeleteEvent(SESSION_ARN, properties({ ApplicationId: 'otherapplication1' })));
    expect(emr).toHaveReceivedCommandWith(TerminateSessionCommand, { applicationId: APPLICATION_ID, sessionId: SESSION_ID });
  });

  test('terminates the session even when its properties no longer parse', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE', SESSION_ID) });
    const unparseable = { IdleTimeoutMinutes: 'half an hour', RuntimeConfiguration: 'not a list' } as unknown as ReturnType<
      typeof properties
    >;
    await expect(onEvent(buildDeleteEvent(SESSION_ARN, unparseable))).resolves.toEqual(asked);
    expect(emr).toHaveReceivedCommandWith(TerminateSessionCommand, { applicationId: APPLICATION_ID, sessionId: SESSION_ID });
  });

  test.each(['TERMINATING', 'TERMINATED', 'FAILED'])('succeeds without terminating a session that is already %s', async (state) => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn(state, SESSION_ID) });
    await expect(onEvent(buildDeleteEvent())).resolves.toEqual(asked);
    expect(emr).toHaveReceivedCommandTimes(TerminateSessionCommand, 0);
  });

  test('succeeds when the session is not found', async () => {
    emr.on(GetSessionCommand).rejects(new ResourceNotFoundException({ message: 'Session not found', $metadata: {} }));
    await expect(onEvent(buildDeleteEvent())).resolves.toEqual(asked);
    expect(emr).toHaveReceivedCommandTimes(TerminateSessionCommand, 0);
  });

  test('succeeds when the session disappears between the check and the terminate', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE', SESSION_ID) });
    emr.on(TerminateSessionCommand).rejects(new ResourceNotFoundException({ message: 'Session not found', $metadata: {} }));
    await expect(onEvent(buildDeleteEvent())).resolves.toEqual(asked);
  });

  test.each([
    ['a Create that failed in the framework', CREATE_FAILED_MARKER],
    ['a request id', 'c1f7a2a0-1111-4a4a-9a9a-000000000001'],
  ])('succeeds without a call when the physical id is %s', async (_case, physicalId) => {
    await expect(onEvent(buildDeleteEvent(physicalId))).resolves.toEqual({});
    expect(emr.calls()).toHaveLength(0);
  });

  test('a requested session: terminates the live sessions that carry its token, and only those', async () => {
    const failedCreate = buildCreateEvent();
    const token = deriveClientToken(failedCreate);
    emr.on(ListSessionsCommand).resolves({ sessions: [sessionIn('IDLE', SESSION_ID), sessionIn('STARTING', OTHER_SESSION_ID)] });
    emr
      .on(GetSessionCommand, { sessionId: SESSION_ID })
      .resolves({ session: sessionIn('IDLE', SESSION_ID, { tags: { [CLIENT_TOKEN_TAG]: 'another-request' } }) });
    emr
      .on(GetSessionCommand, { sessionId: OTHER_SESSION_ID })
      .resolves({ session: sessionIn('STARTING', OTHER_SESSION_ID, { tags: { [CLIENT_TOKEN_TAG]: token } }) });

    await expect(onEvent(buildDeleteEvent(requestedIdOf(failedCreate)))).resolves.toEqual(asked);
    expect(emr).toHaveReceivedCommandWith(ListSessionsCommand, {
      applicationId: APPLICATION_ID,
      states: ['SUBMITTED', 'STARTING', 'STARTED', 'IDLE', 'BUSY'],
    });
    expect(emr).toHaveReceivedCommandTimes(TerminateSessionCommand, 1);
    expect(emr).toHaveReceivedCommandWith(TerminateSessionCommand, { applicationId: APPLICATION_ID, sessionId: OTHER_SESSION_ID });
  });

  test.each([
    ['an ARN with something before it', `x${SESSION_ARN}`],
    ['an ARN with something after it', `${SESSION_ARN}/x`],
    ['no physical id at all', undefined],
  ])('%s names no session: nothing is terminated', async (_case, physicalId) => {
    const event = { ...buildDeleteEvent(), PhysicalResourceId: physicalId } as SessionEvent;
    await expect(onEvent(event)).resolves.toEqual({});
    expect(emr.calls()).toHaveLength(0);
  });

  test.each([
    ['TerminateSession', 'a 5xx', () => emr.on(TerminateSessionCommand).rejects(serverError())],
    ['TerminateSession', 'throttling', () => emr.on(TerminateSessionCommand).rejects(serviceError('ThrottlingException', 429))],
    ['GetSession', 'throttling', () => emr.on(GetSessionCommand).rejects(serviceError('ThrottlingException', 429))],
  ])('leaves a %s that fails with %s to isComplete, which asks again: the delete goes on', async (_call, _failure, fail) => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE', SESSION_ID) });
    fail();
    await expect(onEvent(buildDeleteEvent())).resolves.toEqual({ TerminationRequestedAt: NOW.toISOString() });
    expect(logSpy.mock.calls.map(([line]) => JSON.parse(line).decision)).toContain(
      'could not ask the session to terminate for now: isComplete asks again',
    );
  });

  test('fails on any other error', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE', SESSION_ID) });
    emr.on(TerminateSessionCommand).rejects(serviceError('ValidationException', 400, 'not a session'));
    await expect(onEvent(buildDeleteEvent())).rejects.toThrow('not a session');
  });
});

describe('logging', () => {
  test('logs one line per decision and never the ResponseURL or Spark property values', async () => {
    const secretProperties = properties({
      RuntimeConfiguration: [{ Classification: 'spark-defaults', Properties: { 'spark.hadoop.fs.s3a.secret.key': 'SPARK-SECRET-VALUE' } }],
    });
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE', SESSION_ID) });
    await onEvent(buildCreateEvent(secretProperties));
    await onEvent(buildUpdateEvent(properties({ Name: 'renamed' }), secretProperties));
    await onEvent(buildDeleteEvent(SESSION_ARN, secretProperties));

    const lines = logSpy.mock.calls.map((call) => call.join(' '));
    expect(lines.length).toBeGreaterThanOrEqual(6);
    expect(lines.filter((line) => line.startsWith('{"decision":"onEvent"'))).toHaveLength(3);
    for (const line of lines) {
      expect(line).not.toContain(RESPONSE_URL);
      expect(line).not.toContain('X-Amz-Signature');
      expect(line).not.toContain('SPARK-SECRET-VALUE');
      expect(() => JSON.parse(line)).not.toThrow();
    }
  });
});
