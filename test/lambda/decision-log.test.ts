/**
 * The decision log: what an operator reads in the provider's log group when a deploy misbehaves.
 * Each decision is one JSON line that says what the handler decided and the facts it decided on
 * (which session, in which state, after which error), so that "why was my session replaced?" or
 * "why did delete take ten minutes?" has an answer without a debugger.
 */
import {
  EMRServerlessClient,
  GetSessionCommand,
  GetSessionEndpointCommand,
  ListSessionsCommand,
  ResourceNotFoundException,
  StartSessionCommand,
  TagResourceCommand,
  TerminateSessionCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-emr-serverless';
import { mockClient } from 'aws-sdk-client-mock';
import { CREATE_FAILED_MARKER } from '../../tools/local-cloud/cloudformation-driver';
import { deriveClientToken } from '../../lambda/client-token';
import { CLIENT_TOKEN_TAG, KEPT_BY_TAG, SessionResourceProperties } from '../../lambda/shared/contract';
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
  SESSION_ARN,
  SESSION_ID,
  STACK_ID,
} from '../fixtures/events';
import { testClients, waitsForEachRequest } from '../fixtures/clients';
import { serviceError } from '../fixtures/errors';
import { listSessions, NOW, secondsBeforeNow, sessionIn } from '../fixtures/sessions';

const emr = mockClient(EMRServerlessClient);
const ENDPOINT = 'https://00fsession000001.example.emr-serverless.test';
const OTHER_SESSION_ID = '00fsession000002';

/** The request the test runs: CloudFormation is in progress for it. */
let underTest: SessionEvent | undefined;
function handler(event: SessionEvent): SessionHandler {
  underTest = event;
  return new SessionHandler(testClients(), event, { now: () => NOW, sleep: async () => undefined });
}

let logSpy: jest.SpyInstance;
/** Every line logged so far, parsed. */
function decisions(): Array<Record<string, unknown>> {
  return logSpy.mock.calls.map(([line]) => JSON.parse(line as string));
}

beforeEach(() => {
  underTest = undefined;
  waitsForEachRequest(() => underTest);
  emr.reset();
  emr.on(StartSessionCommand).resolves({ applicationId: APPLICATION_ID, sessionId: SESSION_ID, arn: SESSION_ARN });
  emr.on(GetSessionEndpointCommand).resolves({ applicationId: APPLICATION_ID, sessionId: SESSION_ID, endpoint: ENDPOINT });
  emr.on(ListSessionsCommand).resolves({ sessions: [] });
  logSpy = jest.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => logSpy.mockRestore());

describe('each request begins with a line that identifies it, and nothing more', () => {
  test.each(['onEvent', 'isComplete'] as const)('%s', async (entry) => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('TERMINATED') });
    await handler(asIsCompleteEvent(buildDeleteEvent(), SESSION_ARN))[entry]();
    expect(decisions()[0]).toEqual({
      decision: entry,
      requestType: 'Delete',
      stackId: STACK_ID,
      requestId: 'c1f7a2a0-3333-4a4a-9a9a-000000000003',
      logicalResourceId: LOGICAL_ID,
      physicalResourceId: SESSION_ARN,
    });
  });
});

describe('create', () => {
  const create = buildCreateEvent();
  const requested = requestedIdOf(create);
  const isCreateComplete = () => handler(asIsCompleteEvent(create, requested)).isComplete();
  const isCreateCompleteAfterStartTimeout = () => handler(asIsCompleteEvent(create, askedAt(create, secondsBeforeNow(1201)))).isComplete();

  test('onEvent: the session asked for, by application and token', async () => {
    await handler(create).onEvent();
    expect(decisions()).toContainEqual({
      decision: 'session requested: isComplete starts it',
      applicationId: APPLICATION_ID,
      clientToken: deriveClientToken(create),
    });
  });

  test('isComplete: ready, with its state and endpoint', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE') });
    await isCreateComplete();
    expect(decisions()).toContainEqual({ decision: 'session is ready', sessionId: SESSION_ID, state: 'IDLE', endpoint: ENDPOINT });
  });

  test('isComplete: not ready yet, with its state', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('STARTING') });
    await isCreateComplete();
    expect(decisions()).toContainEqual({ decision: 'session is not ready yet', sessionId: SESSION_ID, state: 'STARTING' });
  });

  test('isComplete: ended before it became ready, then the search for what the request started', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('FAILED') });
    await expect(isCreateComplete()).rejects.toThrow();
    expect(decisions()).toContainEqual({ decision: 'session ended before it became ready', sessionId: SESSION_ID, state: 'FAILED' });
    expect(decisions()).toContainEqual({ decision: 'terminated the sessions the request started', count: 0, sessionIds: [] });
  });

  test('isComplete: outlasted its start timeout, and was terminated', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('STARTING', SESSION_ID, { ageSeconds: 1201 }) });
    await expect(isCreateComplete()).rejects.toThrow();
    expect(decisions()).toContainEqual({
      decision: 'session did not start in time: terminating it',
      sessionId: SESSION_ID,
      state: 'STARTING',
    });
    expect(decisions()).toContainEqual({ decision: 'terminating session', sessionId: SESSION_ID, state: 'STARTING' });
  });

  test('isComplete: the sessions a failed request started, by id', async () => {
    emr.on(StartSessionCommand).rejects(serviceError('InternalServerException', 500, 'no answer'));
    emr.on(ListSessionsCommand).resolves({ sessions: [sessionIn('STARTING')] });
    emr
      .on(GetSessionCommand)
      .resolves({ session: sessionIn('STARTING', SESSION_ID, { tags: { [CLIENT_TOKEN_TAG]: deriveClientToken(create) } }) });
    await expect(isCreateCompleteAfterStartTimeout()).rejects.toThrow();
    expect(decisions()).toContainEqual({ decision: 'terminated the sessions the request started', count: 1, sessionIds: [SESSION_ID] });
  });

  test('isComplete: the search itself failed, with its error', async () => {
    emr.on(StartSessionCommand).rejects(serviceError('InternalServerException', 500, 'no answer'));
    emr.on(ListSessionsCommand).rejects(serviceError('AccessDeniedException', 403, 'not authorized to list'));
    await expect(isCreateCompleteAfterStartTimeout()).rejects.toThrow();
    expect(decisions()).toContainEqual({
      decision: 'could not look for the sessions the request started',
      error: 'AccessDeniedException: not authorized to list',
    });
  });

  test('isComplete: IAM not there yet, with the wait and the error', async () => {
    emr
      .on(StartSessionCommand)
      .rejectsOnce(serviceError('AccessDeniedException', 403, 'not authorized'))
      .resolves({ applicationId: APPLICATION_ID, sessionId: SESSION_ID, arn: SESSION_ARN });
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE') });
    await isCreateComplete();
    expect(decisions()).toContainEqual({
      decision: 'StartSession was denied: waiting for IAM changes to propagate',
      delayMs: 5000,
      error: 'AccessDeniedException: not authorized',
    });
  });

  test.each(['GetSession', 'GetSessionEndpoint'] as const)('isComplete: %s failing for now, with the error', async (operation) => {
    const failing = serviceError('InternalServerException', 500, 'try later');
    if (operation === 'GetSession') {
      emr.on(GetSessionCommand).rejects(failing);
    } else {
      emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE') });
      emr.on(GetSessionEndpointCommand).rejects(failing);
    }
    await isCreateComplete();
    expect(decisions()).toContainEqual({
      decision: `${operation} failed for now: asking again at the next poll`,
      sessionId: SESSION_ID,
      error: 'InternalServerException: try later',
    });
  });
});

describe('update', () => {
  const update = (props: SessionResourceProperties, old: SessionResourceProperties = properties(), physicalId = SESSION_ARN) =>
    handler(buildUpdateEvent(props, old, physicalId)).onEvent();

  test('a requested physical id: a session is asked for', async () => {
    const physicalId = requestedIdOf(buildCreateEvent());
    await update(properties(), properties(), physicalId);
    expect(decisions()).toContainEqual({ decision: 'no session was started under this physical id: requesting one', physicalId });
  });

  test('an ended session: replaced, with its state and what changed', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('TERMINATED') });
    await update(properties({ Name: 'renamed' }));
    expect(decisions()).toContainEqual({
      decision: 'the session has ended: requesting a replacement session',
      physicalId: SESSION_ARN,
      state: 'TERMINATED',
      changed: ['Name'],
    });
  });

  test('a renewal: a new session, naming the one it renews', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE') });
    await update(properties({ RenewalMode: 'ALWAYS', RenewalToken: 'run-2' }));
    expect(decisions()).toContainEqual({
      decision: 'renewal asked for (ALWAYS, a new token): requesting a new session',
      sessionId: SESSION_ID,
    });
  });

  test('an immutable property changed: replaced, naming it', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE', SESSION_ID, { name: 'analytics' }) });
    await update(properties({ Name: 'renamed' }));
    expect(decisions()).toContainEqual({ decision: 'immutable properties changed: requesting a replacement session', changed: ['Name'] });
  });

  test('the session already runs as asked (a rolled-back replacement): kept, saying what differed', async () => {
    // Started with exactly the properties of properties().
    const runningAsAsked = sessionIn('IDLE', SESSION_ID, {
      name: 'analytics',
      idleTimeoutMinutes: 30,
      configurationOverrides: {
        runtimeConfiguration: [{ classification: 'spark-defaults', properties: { 'spark.executor.memory': '4g' } }],
      },
    });
    emr.on(GetSessionCommand).resolves({ session: runningAsAsked });
    await update(properties(), properties({ Name: 'renamed' }));
    expect(decisions()).toContainEqual({
      decision: 'the session already runs with the requested properties: keeping it',
      sessionId: SESSION_ID,
      changed: ['Name'],
    });
  });

  test('tags: which keys are set and which removed', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE') });
    emr.on(TagResourceCommand).resolves({});
    emr.on(UntagResourceCommand).resolves({});
    await update(properties({ Tags: { owner: 'data' } }), properties({ Tags: { team: 'analytics' } }));
    expect(decisions()).toContainEqual({
      decision: 'updating tags in place',
      sessionId: SESSION_ID,
      setting: ['owner', KEPT_BY_TAG],
      removing: ['team'],
    });
    // Nothing immutable changed: no word of replacing or keeping.
    expect(decisions().map((line) => line.decision)).toEqual(['onEvent', 'updating tags in place']);
  });

  test('old properties that do not parse: every immutable property counts as changed, with the parse error', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('TERMINATED') });
    await update(properties(), { ...properties(), ApplicationId: '' });
    expect(decisions()).toContainEqual({
      decision: 'the old properties do not parse: treating every immutable property as changed',
      error: 'Error: ApplicationId and ExecutionRoleArn are required resource properties',
    });
    expect(decisions()).toContainEqual(
      expect.objectContaining({
        decision: 'the session has ended: requesting a replacement session',
        changed: ['(the old properties do not parse)'],
      }),
    );
  });
});

describe('delete', () => {
  const deleteWith = (physicalId: string) => handler(buildDeleteEvent(physicalId)).onEvent();
  const isDeleted = (physicalId: string) =>
    handler(
      asIsCompleteEvent(buildDeleteEvent(physicalId), { PhysicalResourceId: physicalId, TerminationRequestedAt: NOW.toISOString() }),
    ).isComplete();

  test('onEvent: a physical id that names no session', async () => {
    await deleteWith(CREATE_FAILED_MARKER);
    expect(decisions()).toContainEqual({
      decision: 'delete idempotently succeeded: the physical id names no session',
      physicalId: CREATE_FAILED_MARKER,
    });
  });

  test('onEvent: a live session is terminated, with the state it was in', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('BUSY') });
    await deleteWith(SESSION_ARN);
    expect(decisions()).toContainEqual({ decision: 'terminating session', sessionId: SESSION_ID, state: 'BUSY' });
  });

  test.each([
    ['TERMINATED', { session: sessionIn('TERMINATED') }],
    ['NOT_FOUND', undefined],
  ])('onEvent: a session already ended (%s) is left alone', async (state, answer) => {
    if (answer) {
      emr.on(GetSessionCommand).resolves(answer);
    } else {
      emr.on(GetSessionCommand).rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));
    }
    await deleteWith(SESSION_ARN);
    expect(decisions()).toContainEqual({
      decision: 'terminate idempotently succeeded: the session has already ended',
      sessionId: SESSION_ID,
      state,
    });
  });

  test('onEvent: a session that went between GetSession and TerminateSession', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE') });
    emr.on(TerminateSessionCommand).rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));
    await deleteWith(SESSION_ARN);
    expect(decisions()).toContainEqual({ decision: 'terminate idempotently succeeded: the session is gone', sessionId: SESSION_ID });
  });

  test('isComplete: terminated', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('TERMINATED') });
    await isDeleted(SESSION_ARN);
    expect(decisions()).toContainEqual({ decision: 'session is terminated', physicalId: SESSION_ARN });
  });

  test('isComplete: a physical id that names no session', async () => {
    await isDeleted('not-a-session');
    expect(decisions()).toContainEqual({
      decision: 'session is terminated: the physical id names no session',
      physicalId: 'not-a-session',
    });
  });

  test('isComplete: not terminated yet, with the states of what still runs', async () => {
    const physicalId = requestedIdOf(buildCreateEvent());
    const token = deriveClientToken(buildCreateEvent());
    listSessions(emr, token, [
      { sessionId: SESSION_ID, state: 'TERMINATING', ofRequest: true },
      { sessionId: OTHER_SESSION_ID, state: 'IDLE', ofRequest: true },
    ]);
    await isDeleted(physicalId);
    expect(decisions()).toContainEqual({ decision: 'session is not terminated yet', physicalId, states: ['TERMINATING', 'IDLE'] });
  });

  test('isComplete: listing failing for now, with the error', async () => {
    emr.on(ListSessionsCommand).rejects(serviceError('ThrottlingException', 429, 'slow down'));
    await isDeleted(requestedIdOf(buildCreateEvent()));
    expect(decisions()).toContainEqual({
      decision: 'listing sessions failed for now: asking again at the next poll',
      error: 'ThrottlingException: slow down',
    });
  });
});
