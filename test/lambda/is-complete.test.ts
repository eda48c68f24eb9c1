import {
  EMRServerlessClient,
  EMRServerlessServiceException,
  GetSessionCommand,
  ResourceNotFoundException,
  TerminateSessionCommand,
} from '@aws-sdk/client-emr-serverless';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { SessionEvent, SessionHandler } from '../../lambda/session-handler';
import {
  APPLICATION_ID,
  asIsCompleteEvent,
  buildCreateEvent,
  buildDeleteEvent,
  buildUpdateEvent,
  properties,
  SESSION_ARN,
  SESSION_ID,
} from '../fixtures/events';
import { sessionIn } from '../fixtures/sessions';

const emr = mockClient(EMRServerlessClient);

async function isComplete(event: SessionEvent, physicalId = SESSION_ARN) {
  return new SessionHandler(new EMRServerlessClient({ region: 'us-east-1' }), asIsCompleteEvent(event, physicalId)).isComplete();
}

let logSpy: jest.SpyInstance;
beforeEach(() => {
  emr.reset();
  logSpy = jest.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => logSpy.mockRestore());

describe('isComplete: create and update', () => {
  test.each(['SUBMITTED', 'STARTING'])('a session %s is not complete, and carries no Data', async (state) => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn(state) });
    await expect(isComplete(buildCreateEvent())).resolves.toStrictEqual({ IsComplete: false });
  });

  test.each(['STARTED', 'IDLE', 'BUSY'])('a session %s is complete, with every attribute', async (state) => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn(state) });
    await expect(isComplete(buildCreateEvent())).resolves.toStrictEqual({
      IsComplete: true,
      Data: { SessionId: SESSION_ID, Arn: SESSION_ARN, ApplicationId: APPLICATION_ID },
    });
    expect(emr).toHaveReceivedCommandWith(GetSessionCommand, { applicationId: APPLICATION_ID, sessionId: SESSION_ID });
  });

  test('an in-place update completes with the attributes of the same session', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE') });
    const result = await isComplete(buildUpdateEvent(properties({ Tags: { team: 'data' } })));
    expect(result).toMatchObject({ IsComplete: true, Data: { Arn: SESSION_ARN } });
  });

  test('fails with the state details when the session FAILED, without terminating it', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('FAILED', SESSION_ID, { stateDetails: 'Insufficient vCPU quota' }) });
    await expect(isComplete(buildCreateEvent())).rejects.toThrow(
      `session ${SESSION_ID} is FAILED before it became usable: Insufficient vCPU quota`,
    );
    expect(emr).toHaveReceivedCommandTimes(TerminateSessionCommand, 0);
  });

  test.each(['TERMINATED', 'TERMINATING'])('fails when the session is %s before it became usable', async (state) => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn(state, SESSION_ID, { stateDetails: 'Terminated by user' }) });
    await expect(isComplete(buildCreateEvent())).rejects.toThrow(`is ${state} before it became usable: Terminated by user`);
  });

  test('terminates a session that outlasts its start timeout, then fails with its state', async () => {
    emr
      .on(GetSessionCommand)
      .resolves({ session: sessionIn('STARTING', SESSION_ID, { ageSeconds: 601, stateDetails: 'Waiting for capacity' }) });
    await expect(isComplete(buildCreateEvent(properties({ StartTimeoutSeconds: '600' })))).rejects.toThrow(
      `session ${SESSION_ID} was still STARTING after 600 seconds (startTimeout) and has been terminated: Waiting for capacity`,
    );
    expect(emr).toHaveReceivedCommandWith(TerminateSessionCommand, { applicationId: APPLICATION_ID, sessionId: SESSION_ID });
  });

  test('keeps waiting within the start timeout', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('STARTING', SESSION_ID, { ageSeconds: 599 }) });
    await expect(isComplete(buildCreateEvent(properties({ StartTimeoutSeconds: '600' })))).resolves.toStrictEqual({ IsComplete: false });
    expect(emr).toHaveReceivedCommandTimes(TerminateSessionCommand, 0);
  });

  test.each([
    ['a 500', { name: 'InternalServerException', $fault: 'server' as const, $metadata: { httpStatusCode: 500 } }],
    ['throttling', { name: 'ThrottlingException', $fault: 'client' as const, $metadata: { httpStatusCode: 429 } }],
  ])('keeps waiting when GetSession fails with %s after the SDK retries', async (_case, fields) => {
    emr.on(GetSessionCommand).rejects(new EMRServerlessServiceException({ ...fields, message: 'try later' }));
    await expect(isComplete(buildCreateEvent())).resolves.toStrictEqual({ IsComplete: false });
    await expect(isComplete(buildDeleteEvent())).resolves.toStrictEqual({ IsComplete: false });
  });

  test('keeps waiting when the connection drops', async () => {
    emr.on(GetSessionCommand).rejects(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    await expect(isComplete(buildCreateEvent())).resolves.toStrictEqual({ IsComplete: false });
  });

  test('fails when GetSession is refused', async () => {
    emr.on(GetSessionCommand).rejects(
      new EMRServerlessServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
        message: 'not authorized',
      }),
    );
    await expect(isComplete(buildCreateEvent())).rejects.toThrow('not authorized');
  });

  test('fails when the session is not found while waiting', async () => {
    emr.on(GetSessionCommand).rejects(new ResourceNotFoundException({ message: 'not found', $metadata: {} }));
    await expect(isComplete(buildCreateEvent())).rejects.toThrow(/was not found while waiting for it to start/);
  });

  test('fails on a state it does not know', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('HIBERNATING') });
    await expect(isComplete(buildCreateEvent())).rejects.toThrow(/unknown state HIBERNATING/);
  });

  test('the success response and the longest failure reason stay far under 4,096 bytes', async () => {
    // The longest ARN the API allows (1,024 characters) and the longest state details (1,024).
    const longSessionId = 'a'.repeat(64);
    const longApplicationId = 'b'.repeat(64);
    const arn = `arn:aws-iso-longest-partition-name:emr-serverless:${'r'.repeat(700)}:123456789012:/applications/${longApplicationId}/sessions/${longSessionId}`;
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE', longSessionId) });
    const success = await isComplete(buildCreateEvent(), arn);
    const framed = JSON.stringify({
      Status: 'SUCCESS',
      PhysicalResourceId: arn,
      StackId: buildCreateEvent().StackId,
      RequestId: 'x'.repeat(36),
      LogicalResourceId: 'L'.repeat(255),
      ...success,
    });
    expect(Buffer.byteLength(framed)).toBeLessThan(4096 / 1.5);

    emr.on(GetSessionCommand).resolves({ session: sessionIn('FAILED', longSessionId, { stateDetails: 'x'.repeat(1024) }) });
    const reason = await isComplete(buildCreateEvent(), arn).then(
      () => 'resolved, but a FAILED session must fail the resource',
      (error: Error) => error.message,
    );
    expect(reason).toContain(`is FAILED before it became usable: ${'x'.repeat(1024)}`);
    expect(Buffer.byteLength(`${reason} (RequestId: ${'x'.repeat(36)})` + arn)).toBeLessThan(4096 / 1.5);
  });
});

describe('isComplete: delete', () => {
  test.each(['TERMINATED', 'FAILED'])('a session %s is deleted', async (state) => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn(state) });
    await expect(isComplete(buildDeleteEvent())).resolves.toStrictEqual({ IsComplete: true });
  });

  test('a session not found is deleted', async () => {
    emr.on(GetSessionCommand).rejects(new ResourceNotFoundException({ message: 'not found', $metadata: {} }));
    await expect(isComplete(buildDeleteEvent())).resolves.toStrictEqual({ IsComplete: true });
  });

  test('a physical id that names no session is deleted without a call', async () => {
    await expect(isComplete(buildDeleteEvent('not-a-session'), 'not-a-session')).resolves.toStrictEqual({ IsComplete: true });
    expect(emr.calls()).toHaveLength(0);
  });

  test('a TERMINATING session is waited for', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('TERMINATING') });
    await expect(isComplete(buildDeleteEvent())).resolves.toStrictEqual({ IsComplete: false });
    expect(emr).toHaveReceivedCommandTimes(TerminateSessionCommand, 0);
  });

  test('a session still live is asked to terminate again', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('IDLE') });
    await expect(isComplete(buildDeleteEvent())).resolves.toStrictEqual({ IsComplete: false });
    expect(emr).toHaveReceivedCommandTimes(TerminateSessionCommand, 1);
  });

  test('fails when the session is still TERMINATING ten minutes after it was asked to terminate', async () => {
    emr.on(GetSessionCommand).resolves({ session: sessionIn('TERMINATING', SESSION_ID, { ageSeconds: 601 }) });
    await expect(isComplete(buildDeleteEvent())).rejects.toThrow(
      `session ${SESSION_ID} was still TERMINATING 600 seconds after it was asked to terminate`,
    );
  });
});
