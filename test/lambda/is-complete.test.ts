import {
  EMRServerlessClient,
  GetSessionCommand,
  GetSessionEndpointCommand,
  ListSessionsCommand,
  ResourceNotFoundException,
  StartSessionCommand,
  TerminateSessionCommand,
  ValidationException,
} from '@aws-sdk/client-emr-serverless';
import { DescribeStackResourceCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { deriveClientToken } from '../../lambda/client-token';
import { CLIENT_TOKEN_TAG, HANDLE_TAG, LOG_GROUP_ENV } from '../../lambda/shared/contract';
import { POLL_WINDOW_ENV } from '../../lambda/shared/limits';
import { isComplete as isCompleteEntry } from '../../lambda/index';
import { SessionEvent, SessionHandler } from '../../lambda/session-handler';
import {
  APPLICATION_ID,
  asIsCompleteEvent,
  askedAt,
  buildCreateEvent,
  buildDeleteEvent,
  buildUpdateEvent,
  LOGICAL_ID,
  properties,
  requestedIdOf,
  ROLE_ARN,
  SESSION_ARN,
  SESSION_ID,
  STACK_ID,
} from '../fixtures/events';
import { CREATE_FAILED_MARKER } from '../../tools/local-cloud/cloudformation-driver';
import { cloudFormation, describedResource, testClients, waitsForEachRequest } from '../fixtures/clients';
import { cloudFormationError, serviceError } from '../fixtures/errors';
import { listSessions, NOW, secondsBeforeNow, sessionIn } from '../fixtures/sessions';

const emr = mockClient(EMRServerlessClient);
const OTHER_SESSION_ID = '00fsession000002';
const ENDPOINT = 'https://00fsession000001.example.emr-serverless.test';
/** GetSessionEndpoint's auth token: a credential that must appear in no response and no log line. */
const AUTH_TOKEN = 'SECRET-AUTH-TOKEN-0123456789';
const READY_DATA = { SessionId: SESSION_ID, Arn: SESSION_ARN, ApplicationId: APPLICATION_ID, Endpoint: ENDPOINT };
const sleeps: number[] = [];
/**
 * CloudFormation refuses a custom-resource response over 4,096 bytes; a third of it is left for the
 * framework's own fields (its log pointer and stack trace in a reason), which the handler does not write.
 */
const RESPONSE_BUDGET_BYTES = Math.floor(4096 / 1.5);

/** isComplete of the event, after onEvent answered with `onEventAnswer` (a physical id, or the whole answer). */
async function isComplete(event: SessionEvent, onEventAnswer: Record<string, string> | string = SESSION_ARN) {
  underTest = event;
  const handler = new SessionHandler(testClients(), asIsCompleteEvent(event, onEventAnswer), {
    now: () => NOW,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return handler.isComplete();
}

/** isComplete of a Create asked for longer ago than its start timeout (the default, 1,200 s). */
async function isCreateCompleteAfterStartTimeout() {
  const event = buildCreateEvent();
  return isComplete(event, askedAt(event, secondsBeforeNow(1201)));
}

/** isComplete of a Create, whose onEvent asked for the session under its token. */
async function isCreateComplete(props = properties()) {
  const event = buildCreateEvent(props);
  return isComplete(event, requestedIdOf(event));
}

/** The request the test runs: CloudFormation is in progress for it unless the test says otherwise. */
let underTest: SessionEvent | undefined;
let logSpy: jest.SpyInstance;
beforeEach(() => {
  underTest = undefined;
  waitsForEachRequest(() => underTest);
  emr.reset();
  sleeps.length = 0;
  emr.on(StartSessionCommand).resolves({ applicationId: APPLICATION_ID, sessionId: SESSION_ID, arn: SESSION_ARN });
  emr.on(GetSessionEndpointCommand).resolves({
    applicationId: APPLICATION_ID,
    sessionId: SESSION_ID,
    endpoint: ENDPOINT,
    authToken: AUTH_TOKEN,
    authTokenExpiresAt: NOW,
  });
  logSpy = jest.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => logSpy.mockRestore());

describe('isComplete: a requested session (create, and every replacement)', () => {
  test('starts the session with the converted properties and the token the physical id names', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('STARTING') });
    const event = buildCreateEvent();
    await isComplete(event, requestedIdOf(event));

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
      tags: { team: 'analytics', [HANDLE_TAG]: 'SessionStack/Session88DA29BA', [CLIENT_TOKEN_TAG]: token },
    });
  });

  test('a session renewed on purpose carries the token it was started under', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('STARTING') });
    await isCreateComplete(properties({ RenewalMode: 'IF_ENDED', RenewalToken: 'run-42' }));
    expect(emr.commandCalls(StartSessionCommand)[0].args[0].input.tags).toEqual({
      team: 'analytics',
      'cdk-emr-serverless-session:renewal-token': 'run-42',
      [HANDLE_TAG]: 'SessionStack/Session88DA29BA',
      [CLIENT_TOKEN_TAG]: expect.any(String),
    });
  });

  test('every poll sends a byte-identical StartSession, so the service answers with the same session', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('STARTING') });
    await isCreateComplete();
    await isCreateComplete();
    const [first, second] = emr.commandCalls(StartSessionCommand).map((call) => JSON.stringify(call.args[0].input));
    expect(second).toBe(first);
  });

  test('converts stringified numbers, including zero', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('STARTING') });
    await isCreateComplete(properties({ IdleTimeoutMinutes: '0' }));
    expect(emr.commandCalls(StartSessionCommand)[0].args[0].input.idleTimeoutMinutes).toBe(0);
  });

  test('omits the optional properties that are absent', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('STARTING') });
    await isCreateComplete({ ApplicationId: APPLICATION_ID, ExecutionRoleArn: ROLE_ARN });
    const input = emr.commandCalls(StartSessionCommand)[0].args[0].input;
    expect(Object.keys(input)).toEqual(['applicationId', 'clientToken', 'executionRoleArn', 'tags']);
    expect(Object.keys(input.tags!)).toEqual([HANDLE_TAG, CLIENT_TOKEN_TAG]);
  });

  test('keeps nested runtime configurations', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('STARTING') });
    const nested = [
      {
        Classification: 'spark-env',
        Configurations: [{ Classification: 'export', Properties: { JAVA_HOME: '/usr/lib/jvm/java-17' } }],
      },
    ];
    await isCreateComplete(properties({ RuntimeConfiguration: nested }));
    expect(emr.commandCalls(StartSessionCommand)[0].args[0].input.configurationOverrides).toEqual({
      runtimeConfiguration: [
        { classification: 'spark-env', configurations: [{ classification: 'export', properties: { JAVA_HOME: '/usr/lib/jvm/java-17' } }] },
      ],
    });
  });

  test.each(['SUBMITTED', 'STARTING'])('a session %s is not complete, and carries no Data', async (state) => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn(state) });
    await expect(isCreateComplete()).resolves.toStrictEqual({ IsComplete: false });
  });

  test.each(['STARTED', 'IDLE', 'BUSY'])(
    'a session %s is complete: its ARN becomes the physical id, with every attribute',
    async (state) => {
      emr.on(GetSessionCommand).resolves({ session: sessionIn(state) });
      await expect(isCreateComplete()).resolves.toStrictEqual({ IsComplete: true, PhysicalResourceId: SESSION_ARN, Data: READY_DATA });
      expect(emr).toHaveReceivedCommandWith(GetSessionCommand, { applicationId: APPLICATION_ID, sessionId: SESSION_ID });
    },
  );

  test('a replacing update completes under the ARN of the new session', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE') });
    const event = buildUpdateEvent(properties({ Name: 'renamed' }));
    await expect(isComplete(event, requestedIdOf(event))).resolves.toMatchObject({ IsComplete: true, PhysicalResourceId: SESSION_ARN });
    expect(emr.commandCalls(StartSessionCommand)[0].args[0].input).toMatchObject({
      name: 'renamed',
      clientToken: deriveClientToken(event),
    });
  });

  test('fails with the state details when the session FAILED, and says nothing of the request runs', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('FAILED', SESSION_ID, { stateDetails: 'Insufficient vCPU quota' }) });
    emr.on(ListSessionsCommand).resolves({ sessions: [] });
    await expect(isCreateComplete()).rejects.toThrow(
      `session ${SESSION_ID} is FAILED before it became usable: Insufficient vCPU quota. No session of this request is running.`,
    );
    expect(emr).toHaveReceivedCommandTimes(TerminateSessionCommand, 0);
  });

  test.each(['TERMINATED', 'TERMINATING'])('fails when the session is %s before it became usable', async (state) => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn(state, SESSION_ID, { stateDetails: 'Terminated by user' }) });
    emr.on(ListSessionsCommand).resolves({ sessions: [] });
    await expect(isCreateComplete()).rejects.toThrow(`is ${state} before it became usable: Terminated by user`);
  });

  test('terminates a session that outlasts its start timeout, then fails with its state', async () => {
    emr
      .on(GetSessionCommand)
      .resolves({ session: sessionIn('STARTING', SESSION_ID, { ageSeconds: 601, stateDetails: 'Waiting for capacity' }) });
    emr.on(ListSessionsCommand).resolves({ sessions: [] });
    await expect(isCreateComplete(properties({ StartTimeoutSeconds: '600' }))).rejects.toThrow(
      `session ${SESSION_ID} was still STARTING after 600 seconds (startTimeout) and has been terminated: Waiting for capacity`,
    );
    expect(emr).toHaveReceivedCommandWith(TerminateSessionCommand, { applicationId: APPLICATION_ID, sessionId: SESSION_ID });
  });

  test('keeps waiting within the start timeout', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('STARTING', SESSION_ID, { ageSeconds: 600 }) });
    await expect(isCreateComplete(properties({ StartTimeoutSeconds: '600' }))).resolves.toStrictEqual({ IsComplete: false });
    expect(emr).toHaveReceivedCommandTimes(TerminateSessionCommand, 0);
  });

  test('terminates the session it started when the wait fails any other way (an unknown state)', async () => {
    const token = deriveClientToken(buildCreateEvent());
    emr.on(GetSessionCommand).resolves({ session: sessionIn('HIBERNATING', SESSION_ID, { tags: { [CLIENT_TOKEN_TAG]: token } }) });
    emr.on(ListSessionsCommand).resolves({ sessions: [sessionIn('IDLE')] });
    await expect(isCreateComplete()).rejects.toThrow(
      `session ${SESSION_ID} is in unknown state HIBERNATING. The session it started (${SESSION_ID}) has been terminated.`,
    );
    expect(emr).toHaveReceivedCommandWith(TerminateSessionCommand, { applicationId: APPLICATION_ID, sessionId: SESSION_ID });
  });

  test('fails with the service message when StartSession is refused, and looks for no session', async () => {
    emr.on(StartSessionCommand).rejects(new ValidationException({ message: 'Sessions are not enabled', $metadata: {} }));
    await expect(isCreateComplete()).rejects.toThrow(
      'StartSession failed: ValidationException: Sessions are not enabled. No session was started.',
    );
    expect(emr).toHaveReceivedCommandTimes(ListSessionsCommand, 0);
    // Only an AccessDeniedException is waited out: a refusal is final at once.
    expect(emr).toHaveReceivedCommandTimes(StartSessionCommand, 1);
    expect(sleeps).toEqual([]);
  });

  test('names every session the request started when it terminates them, and skips listed sessions without tags', async () => {
    const token = deriveClientToken(buildCreateEvent());
    emr.on(StartSessionCommand).rejects(serviceError('InternalServerException', 500));
    emr
      .on(ListSessionsCommand)
      .resolves({ sessions: [sessionIn('IDLE', SESSION_ID), sessionIn('IDLE', OTHER_SESSION_ID), sessionIn('IDLE', '00funtagged00001')] });
    emr
      .on(GetSessionCommand, { sessionId: SESSION_ID })
      .resolves({ session: sessionIn('IDLE', SESSION_ID, { tags: { [CLIENT_TOKEN_TAG]: token } }) });
    emr
      .on(GetSessionCommand, { sessionId: OTHER_SESSION_ID })
      .resolves({ session: sessionIn('STARTING', OTHER_SESSION_ID, { tags: { [CLIENT_TOKEN_TAG]: token } }) });
    emr
      .on(GetSessionCommand, { sessionId: '00funtagged00001' })
      .resolves({ session: { ...sessionIn('IDLE', '00funtagged00001'), tags: undefined } });

    await expect(isCreateCompleteAfterStartTimeout()).rejects.toThrow(
      `The session it started (${SESSION_ID}, ${OTHER_SESSION_ID}) has been terminated.`,
    );
    expect(emr).toHaveReceivedCommandTimes(TerminateSessionCommand, 2);
  });

  test('fails when StartSession did not answer, after terminating the session it started anyway', async () => {
    const token = deriveClientToken(buildCreateEvent());
    emr.on(StartSessionCommand).rejects(serviceError('InternalServerException', 500));
    emr.on(ListSessionsCommand).resolves({ sessions: [sessionIn('IDLE', SESSION_ID), sessionIn('STARTING', OTHER_SESSION_ID)] });
    emr
      .on(GetSessionCommand, { sessionId: SESSION_ID })
      .resolves({ session: sessionIn('IDLE', SESSION_ID, { tags: { [CLIENT_TOKEN_TAG]: 'someone-else' } }) });
    emr
      .on(GetSessionCommand, { sessionId: OTHER_SESSION_ID })
      .resolves({ session: sessionIn('STARTING', OTHER_SESSION_ID, { tags: { [CLIENT_TOKEN_TAG]: token } }) });

    await expect(isCreateCompleteAfterStartTimeout()).rejects.toThrow(
      `StartSession was still failing 1201 seconds after the session was requested (startTimeout 1200): InternalServerException: internal error. The session it started (${OTHER_SESSION_ID}) has been terminated.`,
    );
    expect(emr).toHaveReceivedCommandWith(ListSessionsCommand, {
      applicationId: APPLICATION_ID,
      states: ['SUBMITTED', 'STARTING', 'STARTED', 'IDLE', 'BUSY'],
    });
    expect(emr).toHaveReceivedCommandTimes(TerminateSessionCommand, 1);
    expect(emr).toHaveReceivedCommandWith(TerminateSessionCommand, { applicationId: APPLICATION_ID, sessionId: OTHER_SESSION_ID });
  });

  test('pages through the live sessions when looking for the one it started', async () => {
    const token = deriveClientToken(buildCreateEvent());
    emr.on(StartSessionCommand).rejects(serviceError('ThrottlingException', 429));
    emr
      .on(ListSessionsCommand)
      .resolvesOnce({ sessions: [sessionIn('IDLE', SESSION_ID)], nextToken: 'page2' })
      .resolvesOnce({ sessions: [sessionIn('IDLE', OTHER_SESSION_ID)] });
    emr.on(GetSessionCommand, { sessionId: SESSION_ID }).resolves({ session: sessionIn('IDLE', SESSION_ID) });
    emr
      .on(GetSessionCommand, { sessionId: OTHER_SESSION_ID })
      .resolves({ session: sessionIn('IDLE', OTHER_SESSION_ID, { tags: { [CLIENT_TOKEN_TAG]: token } }) });

    await expect(isCreateCompleteAfterStartTimeout()).rejects.toThrow(`(${OTHER_SESSION_ID}) has been terminated`);
    expect(emr).toHaveReceivedCommandWith(ListSessionsCommand, { nextToken: 'page2' });
  });

  test('says how to find a possible session when the service cannot be asked', async () => {
    const token = deriveClientToken(buildCreateEvent());
    emr.on(StartSessionCommand).rejects(serviceError('InternalServerException', 500));
    emr.on(ListSessionsCommand).rejects(serviceError('InternalServerException', 500));
    await expect(isCreateCompleteAfterStartTimeout()).rejects.toThrow(
      `such a session carries the tag ${CLIENT_TOKEN_TAG}=${token} and ends after its idle timeout`,
    );
  });

  test('waits out an AccessDeniedException while the new policy propagates, with the same token', async () => {
    emr
      .on(StartSessionCommand)
      .rejectsOnce(serviceError('AccessDeniedException', 403, 'not authorized'))
      .rejectsOnce(serviceError('AccessDeniedException', 403, 'not authorized'))
      .resolves({ applicationId: APPLICATION_ID, sessionId: SESSION_ID, arn: SESSION_ARN });
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE') });
    await expect(isCreateComplete()).resolves.toMatchObject({ IsComplete: true, PhysicalResourceId: SESSION_ARN });

    expect(sleeps).toEqual([5000, 10000]);
    const tokens = new Set(emr.commandCalls(StartSessionCommand).map((call) => call.args[0].input.clientToken));
    expect(tokens.size).toBe(1);
  });

  test('fails after 35 seconds of AccessDeniedException, without looking for a session', async () => {
    emr.on(StartSessionCommand).rejects(serviceError('AccessDeniedException', 403, 'not authorized'));
    await expect(isCreateComplete()).rejects.toThrow('StartSession failed: AccessDeniedException: not authorized. No session was started.');
    expect(sleeps).toEqual([5000, 10000, 20000]);
    expect(emr).toHaveReceivedCommandTimes(StartSessionCommand, 4);
    expect(emr).toHaveReceivedCommandTimes(ListSessionsCommand, 0);
  });
});

describe('isComplete under throttling, and a request delivered again', () => {
  test.each([
    ['throttled', serviceError('ThrottlingException', 429, 'Rate exceeded')],
    ['a 5xx', serviceError('InternalServerException', 500)],
  ])(
    'a StartSession %s within the start timeout is asked again at the next poll, and nothing is searched or terminated',
    async (_what, error) => {
      emr.on(StartSessionCommand).rejects(error);
      const event = buildCreateEvent();
      await expect(isComplete(event, askedAt(event, secondsBeforeNow(1199)))).resolves.toStrictEqual({ IsComplete: false });
      expect(emr).toHaveReceivedCommandTimes(ListSessionsCommand, 0);
      expect(emr).toHaveReceivedCommandTimes(TerminateSessionCommand, 0);
    },
  );

  test('the start timeout runs from the request: a session created just now, asked for 1,201 s ago, is terminated', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('STARTING', SESSION_ID, { ageSeconds: 5 }) });
    const event = buildCreateEvent();
    await expect(isComplete(event, askedAt(event, secondsBeforeNow(1201)))).rejects.toThrow(
      `session ${SESSION_ID} was still STARTING after 1200 seconds (startTimeout) and has been terminated`,
    );
    expect(emr).toHaveReceivedCommandWith(TerminateSessionCommand, { applicationId: APPLICATION_ID, sessionId: SESSION_ID });
  });

  test('a request delivered again after its session served and ended fails, says why and what to do, and starts nothing', async () => {
    const startedAt = secondsBeforeNow(7200);
    emr.on(GetSessionCommand).resolves({ session: sessionIn('TERMINATED', SESSION_ID, { startedAt, stateDetails: 'idle timeout' }) });
    const event = buildCreateEvent();
    await expect(isComplete(event, askedAt(event, secondsBeforeNow(9000)))).rejects.toThrow(
      `this request (RequestId ${event.RequestId}) already started session ${SESSION_ID}, which was usable from ` +
        `${startedAt.toISOString()} and is TERMINATED now (idle timeout). A request delivered again never starts a ` +
        'second session: deploy again, and the new request starts a new one',
    );
    expect(emr).toHaveReceivedCommandTimes(StartSessionCommand, 1);
    expect(emr).toHaveReceivedCommandTimes(TerminateSessionCommand, 0);
  });

  test('a session that fails while it starts still reads as such, not as a request delivered again', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('FAILED', SESSION_ID, { stateDetails: 'no capacity' }) });
    await expect(isCreateComplete()).rejects.toThrow(`session ${SESSION_ID} is FAILED before it became usable: no capacity`);
  });

  test('a throttled TerminateSession while deleting is asked again at the next poll', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE', SESSION_ID, { ageSeconds: 3600 }) });
    emr.on(TerminateSessionCommand).rejects(serviceError('ThrottlingException', 429, 'Rate exceeded'));
    const answer = { PhysicalResourceId: SESSION_ARN, TerminationRequestedAt: secondsBeforeNow(15).toISOString() };
    await expect(isComplete(buildDeleteEvent(), answer)).resolves.toStrictEqual({ IsComplete: false });
  });
});

describe('what the service may answer, and how it reads in a failure reason', () => {
  test.each([
    ['ValidationException', 400],
    ['ResourceNotFoundException', 404],
    ['ConflictException', 409],
  ])('a StartSession refused with %s started nothing: no search, no terminate', async (name, status) => {
    emr.on(StartSessionCommand).rejects(serviceError(name, status, 'refused'));
    await expect(isCreateComplete()).rejects.toThrow(`StartSession failed: ${name}: refused. No session was started.`);
    expect(emr).toHaveReceivedCommandTimes(ListSessionsCommand, 0);
  });

  test('a StartSession refused for the session quota is asked again at the next poll, as sessions end and free it', async () => {
    emr
      .on(StartSessionCommand)
      .rejects(serviceError('ServiceQuotaExceededException', 402, 'Maximum number of concurrent sessions reached'));
    await expect(isCreateComplete()).resolves.toStrictEqual({ IsComplete: false });
    emr.on(ListSessionsCommand).resolves({ sessions: [] });
    await expect(isCreateCompleteAfterStartTimeout()).rejects.toThrow(
      /^StartSession was still failing 120\d seconds after the session was requested \(startTimeout 1200\): ServiceQuotaExceededException: Maximum number of concurrent sessions reached\. No session of this request is running\./,
    );
  });

  test("the SDK's error stays attached as the cause, with the request id AWS support asks for", async () => {
    const refused = serviceError('ValidationException', 400, 'refused');
    emr.on(StartSessionCommand).rejects(refused);
    await expect(isCreateComplete()).rejects.toMatchObject({ cause: refused });
    // Once started: the endpoint refused.
    const denied = serviceError('AccessDeniedException', 403, 'no endpoint for you');
    emr.on(StartSessionCommand).resolves({ applicationId: APPLICATION_ID, sessionId: SESSION_ID, arn: SESSION_ARN });
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE') });
    emr.on(GetSessionEndpointCommand).rejects(denied);
    emr.on(ListSessionsCommand).resolves({ sessions: [] });
    await expect(isCreateComplete()).rejects.toMatchObject({ cause: denied });
  });

  test('a failure that is not even an Error is not retried as transient, and its text is the reason', async () => {
    emr.on(StartSessionCommand).resolves({ applicationId: APPLICATION_ID, sessionId: SESSION_ID, arn: SESSION_ARN });
    emr.on(GetSessionCommand).callsFake(() => Promise.reject('the connection pool is gone'));
    emr.on(ListSessionsCommand).resolves({ sessions: [] });
    await expect(isCreateComplete()).rejects.toThrow('the connection pool is gone. No session of this request is running.');
  });

  test('a long service message is cut to 1,000 characters, ending in "..."', async () => {
    const message = 'x'.repeat(5000);
    emr.on(StartSessionCommand).rejects(serviceError('ValidationException', 400, message));
    const described = `ValidationException: ${message}`.slice(0, 997);
    await expect(isCreateComplete()).rejects.toThrow(`StartSession failed: ${described}.... No session was started.`);
  });

  test('a session that failed without state details says so', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('FAILED', SESSION_ID, { stateDetails: undefined }) });
    emr.on(ListSessionsCommand).resolves({ sessions: [] });
    await expect(isCreateComplete()).rejects.toThrow(`session ${SESSION_ID} is FAILED before it became usable: no state details.`);
  });

  test('an endpoint the service leaves out is an empty attribute, not a missing one', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE') });
    emr.on(GetSessionEndpointCommand).resolves({ applicationId: APPLICATION_ID, sessionId: SESSION_ID });
    await expect(isCreateComplete()).resolves.toMatchObject({ Data: { ...READY_DATA, Endpoint: '' } });
  });

  test('ListSessions without a sessions field lists none', async () => {
    emr.on(StartSessionCommand).rejects(serviceError('InternalServerException', 500, 'no answer'));
    emr.on(ListSessionsCommand).resolves({});
    await expect(isCreateCompleteAfterStartTimeout()).rejects.toThrow('No session of this request is running.');
  });

  test('a listed session gone by the time it is read is skipped', async () => {
    emr.on(StartSessionCommand).rejects(serviceError('InternalServerException', 500, 'no answer'));
    emr.on(ListSessionsCommand).resolves({ sessions: [sessionIn('IDLE', OTHER_SESSION_ID)] });
    emr.on(GetSessionCommand).rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));
    await expect(isCreateCompleteAfterStartTimeout()).rejects.toThrow('No session of this request is running.');
    expect(emr).toHaveReceivedCommandTimes(TerminateSessionCommand, 0);
  });

  test('an empty idle timeout is an absent one', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('STARTING') });
    await isCreateComplete(properties({ IdleTimeoutMinutes: '' }));
    expect(emr.commandCalls(StartSessionCommand)[0].args[0].input).not.toHaveProperty('idleTimeoutMinutes');
  });

  test('tags and Spark properties reach StartSession in one order, whatever order CloudFormation delivered them in', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('STARTING') });
    const delivered = (tags: Record<string, string>, sparkProperties: Record<string, string>) =>
      properties({ Tags: tags, RuntimeConfiguration: [{ Classification: 'spark-defaults', Properties: sparkProperties }] });
    await isCreateComplete(delivered({ b: '2', a: '1', c: '3' }, { 'spark.y': '2', 'spark.x': '1', 'spark.z': '3' }));
    await isCreateComplete(delivered({ c: '3', a: '1', b: '2' }, { 'spark.z': '3', 'spark.y': '2', 'spark.x': '1' }));
    const [first, second] = emr.commandCalls(StartSessionCommand).map((call) => call.args[0].input);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    expect(Object.keys(first.tags!).slice(0, 3)).toEqual(['a', 'b', 'c']);
    expect(Object.keys(first.configurationOverrides!.runtimeConfiguration![0].properties!)).toEqual(['spark.x', 'spark.y', 'spark.z']);
  });
});

describe('the endpoint', () => {
  test('is read once the session is ready; its auth token is in no answer and no log line', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE') });
    const answer = await isCreateComplete();

    expect(answer).toMatchObject({ Data: { Endpoint: ENDPOINT } });
    expect(emr).toHaveReceivedCommandWith(GetSessionEndpointCommand, { applicationId: APPLICATION_ID, sessionId: SESSION_ID });
    expect(JSON.stringify(answer)).not.toContain(AUTH_TOKEN);
    const logged = logSpy.mock.calls.map((call) => call.join(' ')).join('\n');
    expect(logged).toContain(ENDPOINT);
    expect(logged).not.toContain(AUTH_TOKEN);
  });

  test('is not asked for while the session starts', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('STARTING') });
    await isCreateComplete();
    expect(emr).toHaveReceivedCommandTimes(GetSessionEndpointCommand, 0);
  });

  test('a GetSessionEndpoint that fails for now is asked again at the next poll', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE') });
    emr.on(GetSessionEndpointCommand).rejects(serviceError('ThrottlingException', 429, 'slow down'));
    await expect(isCreateComplete()).resolves.toStrictEqual({ IsComplete: false });
  });

  test('a GetSessionEndpoint that is refused fails the request, and terminates the session it started', async () => {
    const token = deriveClientToken(buildCreateEvent());
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE', SESSION_ID, { tags: { [CLIENT_TOKEN_TAG]: token } }) });
    emr.on(GetSessionEndpointCommand).rejects(serviceError('AccessDeniedException', 403, 'not authorized'));
    emr.on(ListSessionsCommand).resolves({ sessions: [sessionIn('IDLE')] });
    await expect(isCreateComplete()).rejects.toThrow(`not authorized. The session it started (${SESSION_ID}) has been terminated.`);
  });
});

describe('isComplete asks CloudFormation whether it will hold the session the request started', () => {
  const OTHER_SESSION_ARN = SESSION_ARN.replace(SESSION_ID, OTHER_SESSION_ID);
  /** A Create whose session is usable and carries the request's token, as ListSessions and GetSession show it. */
  function usableSessionOf(event: SessionEvent) {
    listSessions(emr, deriveClientToken(event), [{ sessionId: SESSION_ID, state: 'IDLE', ofRequest: true }]);
  }

  test('asks once the session is usable, about its own stack and resource, and answers while CloudFormation waits', async () => {
    const event = buildCreateEvent();
    usableSessionOf(event);
    await expect(isComplete(event, requestedIdOf(event))).resolves.toMatchObject({ IsComplete: true, PhysicalResourceId: SESSION_ARN });
    expect(cloudFormation).toHaveReceivedCommandTimes(DescribeStackResourceCommand, 1);
    expect(cloudFormation).toHaveReceivedCommandWith(DescribeStackResourceCommand, { StackName: STACK_ID, LogicalResourceId: LOGICAL_ID });
  });

  test('does not ask while the session is still starting', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('STARTING') });
    await expect(isCreateComplete()).resolves.toStrictEqual({ IsComplete: false });
    expect(cloudFormation).toHaveReceivedCommandTimes(DescribeStackResourceCommand, 0);
  });

  test('answers when CloudFormation holds the session already: another delivery of the request answered first', async () => {
    const event = buildCreateEvent();
    usableSessionOf(event);
    cloudFormation.on(DescribeStackResourceCommand).resolves(describedResource('CREATE_COMPLETE', SESSION_ARN));
    await expect(isComplete(event, requestedIdOf(event))).resolves.toMatchObject({ IsComplete: true, PhysicalResourceId: SESSION_ARN });
  });

  test.each([
    ['a Create another delivery failed (the framework answered under its marker)', 'CREATE_FAILED', CREATE_FAILED_MARKER, 'Create'],
    ['a Create rolled back since', 'DELETE_COMPLETE', CREATE_FAILED_MARKER, 'Create'],
    ['an Update another delivery failed (CloudFormation keeps the old session)', 'UPDATE_FAILED', OTHER_SESSION_ARN, 'Update'],
    ['a Create delivered again long after, while a later update is in progress', 'UPDATE_IN_PROGRESS', OTHER_SESSION_ARN, 'Create'],
  ] as const)('%s: the session it started is terminated, and the reason says why', async (_, status, physicalId, type) => {
    const event =
      type === 'Create' ? buildCreateEvent() : buildUpdateEvent(properties({ IdleTimeoutMinutes: '60' }), properties(), OTHER_SESSION_ARN);
    usableSessionOf(event);
    cloudFormation.on(DescribeStackResourceCommand).resolves(describedResource(status, physicalId));
    await expect(isComplete(event, requestedIdOf(event))).rejects.toThrow(
      `CloudFormation took another answer to this request (RequestId ${event.RequestId}) before session ${SESSION_ID} was usable: ` +
        `the resource is ${status}, physical id ${physicalId}, so it would never hold the session. ` +
        `The session it started (${SESSION_ID}) has been terminated.`,
    );
    expect(emr).toHaveReceivedCommandWith(TerminateSessionCommand, { applicationId: APPLICATION_ID, sessionId: SESSION_ID });
  });

  test('a session CloudFormation will not hold whose TerminateSession is throttled: asked again at the next poll, not left running', async () => {
    const event = buildCreateEvent();
    usableSessionOf(event);
    cloudFormation.on(DescribeStackResourceCommand).resolves(describedResource('CREATE_FAILED', CREATE_FAILED_MARKER));
    emr.on(TerminateSessionCommand).rejects(serviceError('ThrottlingException', 429, 'slow down'));
    await expect(isComplete(event, requestedIdOf(event))).resolves.toStrictEqual({ IsComplete: false });
    expect(emr).toHaveReceivedCommandWith(TerminateSessionCommand, { applicationId: APPLICATION_ID, sessionId: SESSION_ID });
    expect(emr).toHaveReceivedCommandTimes(ListSessionsCommand, 0);
  });

  test('a stack CloudFormation no longer has owns nothing: the session is terminated', async () => {
    const event = buildCreateEvent();
    usableSessionOf(event);
    cloudFormation
      .on(DescribeStackResourceCommand)
      .rejects(cloudFormationError('ValidationError', 400, `Stack with id ${STACK_ID} does not exist`));
    await expect(isComplete(event, requestedIdOf(event))).rejects.toThrow(
      `the resource is NOT_FOUND, physical id none, so it would never hold the session. The session it started (${SESSION_ID}) has been terminated.`,
    );
  });

  test('CloudFormation throttled: asked again at the next poll, nothing terminated', async () => {
    const event = buildCreateEvent();
    usableSessionOf(event);
    cloudFormation.on(DescribeStackResourceCommand).rejects(cloudFormationError('Throttling', 400, 'Rate exceeded'));
    await expect(isComplete(event, requestedIdOf(event))).resolves.toStrictEqual({ IsComplete: false });
    expect(emr).toHaveReceivedCommandTimes(TerminateSessionCommand, 0);
  });

  test('CloudFormation still throttled after the start timeout: the usable session is reported all the same', async () => {
    const event = buildCreateEvent();
    usableSessionOf(event);
    cloudFormation.on(DescribeStackResourceCommand).rejects(cloudFormationError('Throttling', 400, 'Rate exceeded'));
    await expect(isComplete(event, askedAt(event, secondsBeforeNow(1201)))).resolves.toMatchObject({
      IsComplete: true,
      PhysicalResourceId: SESSION_ARN,
    });
    const decisions = logSpy.mock.calls.map(([line]) => JSON.parse(line as string).decision);
    expect(decisions).toContain('CloudFormation could not be asked whether it takes this answer until the start timeout: answering');
  });

  test('a refusal (the permission is missing) fails the request with its reason, and terminates the session', async () => {
    const event = buildCreateEvent();
    usableSessionOf(event);
    cloudFormation
      .on(DescribeStackResourceCommand)
      .rejects(cloudFormationError('AccessDenied', 403, 'not authorized to perform: cloudformation:DescribeStackResource'));
    await expect(isComplete(event, requestedIdOf(event))).rejects.toThrow(
      `not authorized to perform: cloudformation:DescribeStackResource. The session it started (${SESSION_ID}) has been terminated.`,
    );
  });

  test('a kept session (update in place) is not asked about: CloudFormation holds it already', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE') });
    await expect(isComplete(buildUpdateEvent(properties()), SESSION_ARN)).resolves.toMatchObject({ IsComplete: true });
    expect(cloudFormation).toHaveReceivedCommandTimes(DescribeStackResourceCommand, 0);
  });
});

describe('isComplete: a kept session (update in place)', () => {
  test('completes with the attributes of the same session, under the same physical id', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE') });
    const result = await isComplete(buildUpdateEvent(properties({ Tags: { team: 'data' } })));
    expect(result).toStrictEqual({ IsComplete: true, Data: READY_DATA });
    expect(emr).toHaveReceivedCommandTimes(StartSessionCommand, 0);
  });

  test.each([
    ['a 500', serviceError('InternalServerException', 500, 'try later')],
    ['throttling', serviceError('ThrottlingException', 429, 'try later')],
    ['a dropped connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
  ])('keeps waiting when GetSession fails with %s after the SDK retries', async (_case, error) => {
    emr.on(GetSessionCommand).rejects(error);
    await expect(isComplete(buildUpdateEvent(properties()))).resolves.toStrictEqual({ IsComplete: false });
    await expect(isComplete(buildDeleteEvent())).resolves.toStrictEqual({ IsComplete: false });
  });

  test('fails when GetSession is refused', async () => {
    emr.on(GetSessionCommand).rejects(serviceError('AccessDeniedException', 403, 'not authorized'));
    await expect(isComplete(buildUpdateEvent(properties()))).rejects.toThrow('not authorized');
  });

  test('fails when the session is not found while waiting', async () => {
    emr.on(GetSessionCommand).rejects(new ResourceNotFoundException({ message: 'not found', $metadata: {} }));
    await expect(isComplete(buildUpdateEvent(properties()))).rejects.toThrow(/was not found while waiting for it to start/);
  });

  test('fails when the physical id names no session', async () => {
    await expect(isComplete(buildUpdateEvent(properties()), 'not-a-session')).rejects.toThrow(
      "the physical id 'not-a-session' names no session",
    );
  });

  test('the success response and the longest failure reason stay far under 4,096 bytes', async () => {
    // The longest ARN the API allows (1,024 characters) and the longest state details (1,024).
    const longSessionId = 'a'.repeat(64);
    const longApplicationId = 'b'.repeat(64);
    const arn = `arn:aws-iso-longest-partition-name:emr-serverless:${'r'.repeat(700)}:123456789012:/applications/${longApplicationId}/sessions/${longSessionId}`;
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE', longSessionId) });
    const success = await isComplete(buildUpdateEvent(properties()), arn);
    const framed = JSON.stringify({
      Status: 'SUCCESS',
      PhysicalResourceId: arn,
      StackId: buildCreateEvent().StackId,
      RequestId: 'x'.repeat(36),
      LogicalResourceId: 'L'.repeat(255),
      ...success,
    });
    expect(Buffer.byteLength(framed)).toBeLessThan(RESPONSE_BUDGET_BYTES);

    // The longest reason: a session that FAILED, and the search for what the request started failing too.
    emr.on(StartSessionCommand).resolves({ applicationId: longApplicationId, sessionId: longSessionId, arn });
    emr.on(GetSessionCommand).resolves({ session: sessionIn('FAILED', longSessionId, { stateDetails: 'x'.repeat(1024) }) });
    emr.on(ListSessionsCommand).rejects(serviceError('InternalServerException', 500, 'y'.repeat(5000)));
    const reason = await isCreateComplete().then(
      () => 'resolved, but a FAILED session must fail the resource',
      (error: Error) => error.message,
    );
    expect(reason).toContain(`is FAILED before it became usable: ${'x'.repeat(1024)}. Could not check`);
    expect(Buffer.byteLength(`${reason} (RequestId: ${'x'.repeat(36)})` + arn)).toBeLessThan(RESPONSE_BUDGET_BYTES);
  });
});

describe('isComplete: delete', () => {
  /** What onEvent answered: it asked the session to terminate `secondsAgo` before NOW. */
  const askedAgo = (secondsAgo: number, physicalId = SESSION_ARN) => ({
    PhysicalResourceId: physicalId,
    TerminationRequestedAt: secondsBeforeNow(secondsAgo).toISOString(),
  });

  test.each(['TERMINATED', 'FAILED'])('a session %s is deleted', async (state) => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn(state) });
    await expect(isComplete(buildDeleteEvent(), askedAgo(15))).resolves.toStrictEqual({ IsComplete: true });
  });

  test('a session not found is deleted', async () => {
    emr.on(GetSessionCommand).rejects(new ResourceNotFoundException({ message: 'not found', $metadata: {} }));
    await expect(isComplete(buildDeleteEvent(), askedAgo(15))).resolves.toStrictEqual({ IsComplete: true });
  });

  test('a physical id that names no session is deleted without a call', async () => {
    await expect(isComplete(buildDeleteEvent('not-a-session'), 'not-a-session')).resolves.toStrictEqual({ IsComplete: true });
    expect(emr.calls()).toHaveLength(0);
  });

  test('a TERMINATING session is waited for, without asking again', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('TERMINATING', SESSION_ID, { ageSeconds: 3600 }) });
    await expect(isComplete(buildDeleteEvent(), askedAgo(599))).resolves.toStrictEqual({ IsComplete: false });
    expect(emr).toHaveReceivedCommandTimes(TerminateSessionCommand, 0);
  });

  test('a session idle for an hour that still reads IDLE after TerminateSession is asked again, not failed', async () => {
    // The service's state may lag behind TerminateSession: the session last changed an hour ago.
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE', SESSION_ID, { ageSeconds: 3600 }) });
    await expect(isComplete(buildDeleteEvent(), askedAgo(15))).resolves.toStrictEqual({ IsComplete: false });
    expect(emr).toHaveReceivedCommandTimes(TerminateSessionCommand, 1);
    expect(emr).toHaveReceivedCommandWith(TerminateSessionCommand, { applicationId: APPLICATION_ID, sessionId: SESSION_ID });
  });

  test('fails when the session still runs ten minutes after Delete asked it to terminate, having asked again', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('TERMINATING', SESSION_ID, { ageSeconds: 10 }) });
    await expect(isComplete(buildDeleteEvent(), askedAgo(601))).rejects.toThrow(
      `session still running 601 seconds after Delete asked it to terminate (${SESSION_ID} TERMINATING)`,
    );
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE', SESSION_ID) });
    await expect(isComplete(buildDeleteEvent(), askedAgo(601))).rejects.toThrow(
      /601 seconds after Delete asked it to terminate \(00fsession000001 IDLE\)/,
    );
    expect(emr).toHaveReceivedCommandTimes(TerminateSessionCommand, 1);
  });

  test('a session still TERMINATING exactly ten minutes after Delete asked is waited for, not failed yet', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('TERMINATING', SESSION_ID) });
    await expect(isComplete(buildDeleteEvent(), askedAgo(600))).resolves.toStrictEqual({ IsComplete: false });
  });

  test('GetSession failing for now while waiting: asks again at the next poll, sends nothing meanwhile', async () => {
    emr.on(GetSessionCommand).rejects(serviceError('InternalServerException', 500, 'try later'));
    await expect(isComplete(buildDeleteEvent(), askedAgo(601))).resolves.toStrictEqual({ IsComplete: false });
    expect(emr).toHaveReceivedCommandTimes(TerminateSessionCommand, 0);
  });

  test('a termination time that does not parse starts the clock now', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('TERMINATING', SESSION_ID) });
    const answer = { PhysicalResourceId: SESSION_ARN, TerminationRequestedAt: 'yesterday' };
    await expect(isComplete(buildDeleteEvent(), answer)).resolves.toStrictEqual({ IsComplete: false });
  });

  test('a requested session: listing failing for now means asking again at the next poll', async () => {
    const requested = requestedIdOf(buildCreateEvent());
    emr.on(ListSessionsCommand).rejects(serviceError('ThrottlingException', 429, 'slow down'));
    await expect(isComplete(buildDeleteEvent(requested), askedAgo(15, requested))).resolves.toStrictEqual({ IsComplete: false });
    emr.on(ListSessionsCommand).rejects(serviceError('AccessDeniedException', 403, 'not authorized'));
    await expect(isComplete(buildDeleteEvent(requested), askedAgo(15, requested))).rejects.toThrow('not authorized');
  });

  test('a request that began without a termination time starts the clock now', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('TERMINATING', SESSION_ID, { ageSeconds: 3600 }) });
    await expect(isComplete(buildDeleteEvent())).resolves.toStrictEqual({ IsComplete: false });
  });

  test('a requested session is deleted once no session with its token runs', async () => {
    const failedCreate = buildCreateEvent();
    const token = deriveClientToken(failedCreate);
    listSessions(emr, token, [
      { sessionId: SESSION_ID, state: 'TERMINATING', ofRequest: true },
      { sessionId: OTHER_SESSION_ID, state: 'IDLE', ofRequest: false },
    ]);
    const requested = requestedIdOf(failedCreate);

    await expect(isComplete(buildDeleteEvent(requested), askedAgo(15, requested))).resolves.toStrictEqual({ IsComplete: false });
    expect(emr).toHaveReceivedCommandWith(ListSessionsCommand, {
      states: ['SUBMITTED', 'STARTING', 'STARTED', 'IDLE', 'BUSY', 'TERMINATING'],
    });
    expect(emr).toHaveReceivedCommandTimes(TerminateSessionCommand, 0);

    emr.on(ListSessionsCommand).resolves({ sessions: [sessionIn('IDLE', OTHER_SESSION_ID)] });
    await expect(isComplete(buildDeleteEvent(requested), askedAgo(30, requested))).resolves.toStrictEqual({ IsComplete: true });
  });

  test('a requested session still running ten minutes on: the reason names every session of the request, with its state', async () => {
    const failedCreate = buildCreateEvent();
    const token = deriveClientToken(failedCreate);
    listSessions(emr, token, [
      { sessionId: SESSION_ID, state: 'TERMINATING', ofRequest: true },
      { sessionId: OTHER_SESSION_ID, state: 'IDLE', ofRequest: true },
    ]);
    const requested = requestedIdOf(failedCreate);
    await expect(isComplete(buildDeleteEvent(requested), askedAgo(601, requested))).rejects.toThrow(
      `session still running 601 seconds after Delete asked it to terminate (${SESSION_ID} TERMINATING, ${OTHER_SESSION_ID} IDLE)`,
    );
  });
});

describe('failure reasons', () => {
  afterEach(() => delete process.env[LOG_GROUP_ENV]);

  test('name the log group the handler really writes to', async () => {
    process.env[LOG_GROUP_ENV] = '/cdk-emr-serverless-session/SessionStack';
    const event = asIsCompleteEvent(buildUpdateEvent(properties()), 'not-a-session');
    await expect(isCompleteEntry(event)).rejects.toThrow(
      "the physical id 'not-a-session' names no session (handler log group: /cdk-emr-serverless-session/SessionStack)",
    );
  });
});

describe('isComplete polls within its invocation, up to the poll window', () => {
  const WINDOW_MS = 30_000;
  let clock: number;
  /** isComplete with a clock that each wait moves on, as a Lambda invocation that polls for `pollWindowMs`. */
  async function polling(event: SessionEvent, onEventAnswer: Record<string, string> | string, pollWindowMs = WINDOW_MS) {
    underTest = event;
    const handler = new SessionHandler(testClients(), asIsCompleteEvent(event, onEventAnswer), {
      pollWindowMs,
      now: () => new Date(clock),
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
    });
    return handler.isComplete();
  }
  beforeEach(() => {
    clock = NOW.getTime();
  });

  test('a session that becomes usable during the window completes the request: one StartSession, a GetSession every 2 s', async () => {
    emr
      .on(GetSessionCommand)
      .resolvesOnce({ session: sessionIn('SUBMITTED') })
      .resolvesOnce({ session: sessionIn('STARTING') })
      .resolves({ session: sessionIn('IDLE') });
    const event = buildCreateEvent();
    await expect(polling(event, requestedIdOf(event))).resolves.toEqual({
      IsComplete: true,
      PhysicalResourceId: SESSION_ARN,
      Data: READY_DATA,
    });
    expect(emr).toHaveReceivedCommandTimes(StartSessionCommand, 1);
    expect(emr).toHaveReceivedCommandTimes(GetSessionCommand, 3);
    expect(emr).toHaveReceivedCommandTimes(GetSessionEndpointCommand, 1);
    expect(sleeps).toEqual([2000, 2000]);
  });

  test('a session still starting when the window ends: "not yet" after the poll at its last second, no poll after it', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('STARTING') });
    const event = buildCreateEvent();
    await expect(polling(event, requestedIdOf(event))).resolves.toEqual({ IsComplete: false });
    // Polls at 0, 2, ..., 30 s: the next would start after the window.
    expect(emr).toHaveReceivedCommandTimes(GetSessionCommand, 16);
    expect(emr).toHaveReceivedCommandTimes(StartSessionCommand, 1);
    expect(clock - NOW.getTime()).toBe(WINDOW_MS);
  });

  test('the window is counted from the start of the invocation: waiting out IAM uses it up', async () => {
    emr
      .on(StartSessionCommand)
      .rejectsOnce(serviceError('AccessDeniedException', 403, 'not authorized'))
      .rejectsOnce(serviceError('AccessDeniedException', 403, 'not authorized'))
      .resolves({ applicationId: APPLICATION_ID, sessionId: SESSION_ID, arn: SESSION_ARN });
    emr.on(GetSessionCommand).resolves({ session: sessionIn('STARTING') });
    const event = buildCreateEvent();
    await expect(polling(event, requestedIdOf(event), 20_000)).resolves.toEqual({ IsComplete: false });
    // 15 s of IAM waits, then polls at 15, 17 and 19 s of a 20-second window.
    expect(sleeps).toEqual([5000, 10000, 2000, 2000]);
    expect(emr).toHaveReceivedCommandTimes(GetSessionCommand, 3);
  });

  test('a session that fails during the window fails the request at once, terminated', async () => {
    emr
      .on(GetSessionCommand)
      .resolvesOnce({ session: sessionIn('STARTING') })
      .resolves({ session: sessionIn('FAILED', SESSION_ID, { stateDetails: 'out of capacity' }) });
    emr.on(ListSessionsCommand).resolves({ sessions: [] });
    const event = buildCreateEvent();
    await expect(polling(event, requestedIdOf(event))).rejects.toThrow(
      `session ${SESSION_ID} is FAILED before it became usable: out of capacity`,
    );
    expect(sleeps).toEqual([2000]);
  });

  test('GetSession failing for now is asked again within the window', async () => {
    emr
      .on(GetSessionCommand)
      .rejectsOnce(serviceError('InternalServerException', 500))
      .resolves({ session: sessionIn('IDLE') });
    const event = buildCreateEvent();
    await expect(polling(event, requestedIdOf(event))).resolves.toMatchObject({ IsComplete: true, PhysicalResourceId: SESSION_ARN });
    expect(emr).toHaveReceivedCommandTimes(GetSessionCommand, 2);
  });

  test('a kept session is awaited within the window too', async () => {
    emr
      .on(GetSessionCommand)
      .resolvesOnce({ session: sessionIn('STARTING') })
      .resolves({ session: sessionIn('IDLE') });
    await expect(polling(buildUpdateEvent(properties()), SESSION_ARN)).resolves.toEqual({ IsComplete: true, Data: READY_DATA });
    expect(emr).toHaveReceivedCommandTimes(StartSessionCommand, 0);
    expect(sleeps).toEqual([2000]);
  });

  test('delete completes as soon as the session reads TERMINATED within the window', async () => {
    emr
      .on(GetSessionCommand)
      .resolvesOnce({ session: sessionIn('TERMINATING') })
      .resolvesOnce({ session: sessionIn('TERMINATING') })
      .resolves({ session: sessionIn('TERMINATED') });
    await expect(polling(buildDeleteEvent(), { TerminationRequestedAt: NOW.toISOString() })).resolves.toEqual({ IsComplete: true });
    expect(emr).toHaveReceivedCommandTimes(GetSessionCommand, 3);
    expect(emr).toHaveReceivedCommandTimes(TerminateSessionCommand, 0);
    expect(sleeps).toEqual([2000, 2000]);
  });

  describe('the deployed function reads its window from its environment', () => {
    const timers = jest.requireActual<typeof import('node:timers/promises')>('node:timers/promises');
    let waits: jest.SpyInstance;
    beforeEach(() => {
      waits = jest.spyOn(timers, 'setTimeout').mockImplementation(async () => undefined);
      // The entry point runs on the real clock: a session created just now.
      const createdAt = new Date();
      emr
        .on(GetSessionCommand)
        .resolvesOnce({ session: sessionIn('STARTING', SESSION_ID, { createdAt }) })
        .resolves({ session: sessionIn('IDLE', SESSION_ID, { createdAt }) });
    });
    afterEach(() => {
      waits.mockRestore();
      delete process.env[POLL_WINDOW_ENV];
    });

    test('a whole number of seconds: polls every 2 s through node:timers/promises', async () => {
      process.env[POLL_WINDOW_ENV] = '30';
      const event = buildCreateEvent();
      await expect(isCompleteEntry(asIsCompleteEvent(event, requestedIdOf(event)))).resolves.toMatchObject({ IsComplete: true });
      expect(waits.mock.calls).toEqual([[2000]]);
    });

    test.each([undefined, '', 'thirty', '2.5', '-30'])('%p: one poll an invocation', async (value) => {
      if (value !== undefined) {
        process.env[POLL_WINDOW_ENV] = value;
      }
      const event = buildCreateEvent();
      await expect(isCompleteEntry(asIsCompleteEvent(event, requestedIdOf(event)))).resolves.toEqual({ IsComplete: false });
      expect(waits).not.toHaveBeenCalled();
      expect(emr).toHaveReceivedCommandTimes(GetSessionCommand, 1);
    });
  });
});
