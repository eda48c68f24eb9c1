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
  ValidationException,
} from '@aws-sdk/client-emr-serverless';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { deriveClientToken } from '../../lambda/client-token';
import { CLIENT_TOKEN_TAG } from '../../lambda/properties';
import { SessionEvent, SessionHandler } from '../../lambda/session-handler';
import {
  APPLICATION_ID,
  buildCreateEvent,
  buildDeleteEvent,
  buildUpdateEvent,
  properties,
  RESPONSE_URL,
  ROLE_ARN,
  SESSION_ARN,
  SESSION_ID,
} from '../fixtures/events';
import { sessionIn } from '../fixtures/sessions';

const emr = mockClient(EMRServerlessClient);
const NEW_SESSION_ID = '00fsession000002';
const NEW_SESSION_ARN = SESSION_ARN.replace(SESSION_ID, NEW_SESSION_ID);

async function onEvent(event: SessionEvent) {
  return new SessionHandler(new EMRServerlessClient({ region: 'us-east-1' }), event).onEvent();
}

function serverError(name = 'InternalServerException'): Error {
  return new EMRServerlessServiceException({ name, $fault: 'server', $metadata: { httpStatusCode: 500 }, message: 'internal error' });
}

let logSpy: jest.SpyInstance;
beforeEach(() => {
  emr.reset();
  emr.on(StartSessionCommand).resolves({ applicationId: APPLICATION_ID, sessionId: NEW_SESSION_ID, arn: NEW_SESSION_ARN });
  logSpy = jest.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => logSpy.mockRestore());

describe('onEvent: create', () => {
  test('starts the session with the converted properties and a derived client token', async () => {
    const event = buildCreateEvent();
    await onEvent(event);

    const token = deriveClientToken(event);
    expect(emr).toHaveReceivedCommandTimes(StartSessionCommand, 1);
    expect(emr.commandCalls(StartSessionCommand)[0].args[0].input).toEqual({
      applicationId: APPLICATION_ID,
      clientToken: token,
      executionRoleArn: ROLE_ARN,
      name: 'analytics',
      idleTimeoutMinutes: 30,
      configurationOverrides: {
        runtimeConfiguration: [{ classification: 'spark-defaults', properties: { 'spark.executor.memory': '4g' } }],
      },
      tags: { team: 'analytics', [CLIENT_TOKEN_TAG]: token },
    });
  });

  test('returns the session ARN as the physical id, and no Data', async () => {
    const response = await onEvent(buildCreateEvent());
    expect(response).toEqual({ PhysicalResourceId: NEW_SESSION_ARN });
  });

  test('the same event delivered twice sends a byte-identical StartSession', async () => {
    await onEvent(buildCreateEvent());
    await onEvent(buildCreateEvent());
    const [first, second] = emr.commandCalls(StartSessionCommand).map((call) => JSON.stringify(call.args[0].input));
    expect(second).toBe(first);
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

  test('converts stringified numbers, including zero', async () => {
    await onEvent(buildCreateEvent(properties({ IdleTimeoutMinutes: '0' })));
    expect(emr.commandCalls(StartSessionCommand)[0].args[0].input.idleTimeoutMinutes).toBe(0);
  });

  test('fails on a property that is not a whole number, without calling the service', async () => {
    await expect(onEvent(buildCreateEvent(properties({ IdleTimeoutMinutes: 'thirty' })))).rejects.toThrow(
      /IdleTimeoutMinutes must be a whole number of 0 or more, got 'thirty'/,
    );
    expect(emr).toHaveReceivedCommandTimes(StartSessionCommand, 0);
  });

  test('omits the optional properties that are absent', async () => {
    await onEvent(buildCreateEvent({ ApplicationId: APPLICATION_ID, ExecutionRoleArn: ROLE_ARN }));
    const input = emr.commandCalls(StartSessionCommand)[0].args[0].input;
    expect(Object.keys(input)).toEqual(['applicationId', 'clientToken', 'executionRoleArn', 'tags']);
    expect(Object.keys(input.tags!)).toEqual([CLIENT_TOKEN_TAG]);
  });

  test('keeps nested runtime configurations', async () => {
    const nested = [
      {
        Classification: 'spark-env',
        Configurations: [{ Classification: 'export', Properties: { JAVA_HOME: '/usr/lib/jvm/java-17' } }],
      },
    ];
    await onEvent(buildCreateEvent(properties({ RuntimeConfiguration: nested })));
    expect(emr.commandCalls(StartSessionCommand)[0].args[0].input.configurationOverrides).toEqual({
      runtimeConfiguration: [
        { classification: 'spark-env', configurations: [{ classification: 'export', properties: { JAVA_HOME: '/usr/lib/jvm/java-17' } }] },
      ],
    });
  });

  test('fails with the service message when StartSession is refused, and looks for no orphan', async () => {
    emr.on(StartSessionCommand).rejects(new ValidationException({ message: 'Sessions are not enabled', $metadata: {} }));
    await expect(onEvent(buildCreateEvent())).rejects.toThrow(
      'StartSession failed: ValidationException: Sessions are not enabled. No session was started.',
    );
    expect(emr).toHaveReceivedCommandTimes(ListSessionsCommand, 0);
  });

  test('fails when StartSession did not answer, after terminating the session it started anyway', async () => {
    const event = buildCreateEvent();
    const token = deriveClientToken(event);
    emr.on(StartSessionCommand).rejects(serverError());
    emr.on(ListSessionsCommand).resolves({
      sessions: [{ ...sessionIn('IDLE', SESSION_ID) }, { ...sessionIn('STARTING', NEW_SESSION_ID) }],
    });
    emr
      .on(GetSessionCommand, { sessionId: SESSION_ID })
      .resolves({ session: sessionIn('IDLE', SESSION_ID, { tags: { [CLIENT_TOKEN_TAG]: 'someone-else' } }) });
    emr
      .on(GetSessionCommand, { sessionId: NEW_SESSION_ID })
      .resolves({ session: sessionIn('STARTING', NEW_SESSION_ID, { tags: { [CLIENT_TOKEN_TAG]: token } }) });

    await expect(onEvent(event)).rejects.toThrow(
      `StartSession failed: InternalServerException: internal error. The session it started anyway (${NEW_SESSION_ID}) has been terminated.`,
    );
    expect(emr).toHaveReceivedCommandWith(ListSessionsCommand, {
      applicationId: APPLICATION_ID,
      states: ['SUBMITTED', 'STARTING', 'STARTED', 'IDLE', 'BUSY'],
    });
    expect(emr).toHaveReceivedCommandTimes(TerminateSessionCommand, 1);
    expect(emr).toHaveReceivedCommandWith(TerminateSessionCommand, { applicationId: APPLICATION_ID, sessionId: NEW_SESSION_ID });
  });

  test('pages through the live sessions when looking for an orphan', async () => {
    const token = deriveClientToken(buildCreateEvent());
    emr.on(StartSessionCommand).rejects(serverError('ThrottlingException'));
    emr
      .on(ListSessionsCommand)
      .resolvesOnce({ sessions: [sessionIn('IDLE', SESSION_ID)], nextToken: 'page2' })
      .resolvesOnce({ sessions: [sessionIn('IDLE', NEW_SESSION_ID)] });
    emr.on(GetSessionCommand, { sessionId: SESSION_ID }).resolves({ session: sessionIn('IDLE', SESSION_ID) });
    emr
      .on(GetSessionCommand, { sessionId: NEW_SESSION_ID })
      .resolves({ session: sessionIn('IDLE', NEW_SESSION_ID, { tags: { [CLIENT_TOKEN_TAG]: token } }) });

    await expect(onEvent(buildCreateEvent())).rejects.toThrow(/\(00fsession000002\) has been terminated/);
    expect(emr).toHaveReceivedCommandWith(ListSessionsCommand, { nextToken: 'page2' });
  });

  test('says how to find a possible orphan when the service cannot be asked', async () => {
    const token = deriveClientToken(buildCreateEvent());
    emr.on(StartSessionCommand).rejects(serverError());
    emr.on(ListSessionsCommand).rejects(serverError());
    await expect(onEvent(buildCreateEvent())).rejects.toThrow(
      `such a session carries the tag ${CLIENT_TOKEN_TAG}=${token} and ends after its idle timeout`,
    );
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
  ])('a change of %s starts a new session with a new token and returns its ARN', async (_key, change) => {
    const event = buildUpdateEvent(properties(change));
    const response = await onEvent(event);

    expect(response).toEqual({ PhysicalResourceId: NEW_SESSION_ARN });
    const token = emr.commandCalls(StartSessionCommand)[0].args[0].input.clientToken;
    expect(token).toBe(deriveClientToken(event));
    expect(token).not.toBe(deriveClientToken(buildCreateEvent()));
  });

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
    expect(emr).toHaveReceivedCommandWith(TagResourceCommand, { resourceArn: SESSION_ARN, tags: { team: 'data', owner: 'ana' } });
    expect(emr).toHaveReceivedCommandWith(UntagResourceCommand, { resourceArn: SESSION_ARN, tagKeys: ['cost'] });
  });

  test('a change of the start timeout alone touches nothing', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE', SESSION_ID) });
    const response = await onEvent(buildUpdateEvent(properties({ StartTimeoutSeconds: '600' })));
    expect(response).toEqual({ PhysicalResourceId: SESSION_ARN });
    expect(emr).toHaveReceivedCommandTimes(StartSessionCommand, 0);
    expect(emr).toHaveReceivedCommandTimes(TagResourceCommand, 0);
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
    expect(response).toEqual({ PhysicalResourceId: NEW_SESSION_ARN });
    expect(emr).toHaveReceivedCommandTimes(TagResourceCommand, 0);
  });

  test('a tag change on a session that is gone starts a replacement', async () => {
    emr.on(GetSessionCommand).rejects(new ResourceNotFoundException({ message: 'not found', $metadata: {} }));
    const response = await onEvent(buildUpdateEvent(properties({ Tags: { team: 'data' } })));
    expect(response).toEqual({ PhysicalResourceId: NEW_SESSION_ARN });
  });
});

describe('onEvent: create right after an IAM change', () => {
  const accessDenied = () =>
    new EMRServerlessServiceException({
      name: 'AccessDeniedException',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
      message: 'not authorized',
    });
  const sleeps: number[] = [];
  const onEventWaiting = (event: SessionEvent) =>
    new SessionHandler(new EMRServerlessClient({ region: 'us-east-1' }), event, undefined, async (ms) => {
      sleeps.push(ms);
    }).onEvent();
  beforeEach(() => (sleeps.length = 0));

  test('waits out an AccessDeniedException while the new policy propagates, with the same token', async () => {
    emr
      .on(StartSessionCommand)
      .rejectsOnce(accessDenied())
      .rejectsOnce(accessDenied())
      .resolves({ applicationId: APPLICATION_ID, sessionId: NEW_SESSION_ID, arn: NEW_SESSION_ARN });
    await expect(onEventWaiting(buildCreateEvent())).resolves.toEqual({ PhysicalResourceId: NEW_SESSION_ARN });

    expect(sleeps).toEqual([5000, 10000]);
    const tokens = new Set(emr.commandCalls(StartSessionCommand).map((call) => call.args[0].input.clientToken));
    expect(tokens.size).toBe(1);
  });

  test('fails after 35 seconds of AccessDeniedException, without looking for an orphan', async () => {
    emr.on(StartSessionCommand).rejects(accessDenied());
    await expect(onEventWaiting(buildCreateEvent())).rejects.toThrow(
      'StartSession failed: AccessDeniedException: not authorized. No session was started.',
    );
    expect(sleeps).toEqual([5000, 10000, 20000]);
    expect(emr).toHaveReceivedCommandTimes(StartSessionCommand, 4);
    expect(emr).toHaveReceivedCommandTimes(ListSessionsCommand, 0);
  });
});

describe('onEvent: delete', () => {
  test('terminates a live session', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE', SESSION_ID) });
    const response = await onEvent(buildDeleteEvent());
    expect(response).toEqual({});
    expect(emr).toHaveReceivedCommandWith(TerminateSessionCommand, { applicationId: APPLICATION_ID, sessionId: SESSION_ID });
  });

  test('acts on the session the physical id names, even when the application property changed', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE', SESSION_ID) });
    await onEvent(buildDeleteEvent(SESSION_ARN, properties({ ApplicationId: 'otherapplication1' })));
    expect(emr).toHaveReceivedCommandWith(TerminateSessionCommand, { applicationId: APPLICATION_ID, sessionId: SESSION_ID });
  });

  test.each(['TERMINATING', 'TERMINATED', 'FAILED'])('succeeds without terminating a session that is already %s', async (state) => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn(state, SESSION_ID) });
    await expect(onEvent(buildDeleteEvent())).resolves.toEqual({});
    expect(emr).toHaveReceivedCommandTimes(TerminateSessionCommand, 0);
  });

  test('succeeds when the session is not found', async () => {
    emr.on(GetSessionCommand).rejects(new ResourceNotFoundException({ message: 'Session not found', $metadata: {} }));
    await expect(onEvent(buildDeleteEvent())).resolves.toEqual({});
    expect(emr).toHaveReceivedCommandTimes(TerminateSessionCommand, 0);
  });

  test('succeeds when the session disappears between the check and the terminate', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE', SESSION_ID) });
    emr.on(TerminateSessionCommand).rejects(new ResourceNotFoundException({ message: 'Session not found', $metadata: {} }));
    await expect(onEvent(buildDeleteEvent())).resolves.toEqual({});
  });

  test('succeeds without a call when the physical id names no session', async () => {
    await expect(onEvent(buildDeleteEvent('c1f7a2a0-1111-4a4a-9a9a-000000000001'))).resolves.toEqual({});
    expect(emr.calls()).toHaveLength(0);
  });

  test('fails on any other error', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE', SESSION_ID) });
    emr.on(TerminateSessionCommand).rejects(serverError());
    await expect(onEvent(buildDeleteEvent())).rejects.toThrow('internal error');
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
    for (const line of lines) {
      expect(line).not.toContain(RESPONSE_URL);
      expect(line).not.toContain('X-Amz-Signature');
      expect(line).not.toContain('SPARK-SECRET-VALUE');
      expect(() => JSON.parse(line)).not.toThrow();
    }
  });
});
