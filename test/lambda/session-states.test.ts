import { SessionState } from '@aws-sdk/client-emr-serverless';
import { isOver, phaseOf, statesIn } from '../../lambda/session-states';

describe('session states', () => {
  test('every state the SDK knows has one phase', () => {
    expect(Object.fromEntries(Object.values(SessionState).map((state) => [state, phaseOf('00fs', state)]))).toEqual({
      SUBMITTED: 'starting',
      STARTING: 'starting',
      STARTED: 'ready',
      IDLE: 'ready',
      BUSY: 'ready',
      TERMINATING: 'terminating',
      TERMINATED: 'ended',
      FAILED: 'ended',
    });
  });

  test.each([['HIBERNATING'], [undefined], ['idle']])('fails on a state the service does not document: %p', (state) => {
    expect(() => phaseOf('00fsession000001', state)).toThrow(`session 00fsession000001 is in unknown state ${state}`);
  });

  test('the states of phases, for ListSessions and the docs', () => {
    expect(statesIn('starting', 'ready')).toEqual(['SUBMITTED', 'STARTING', 'STARTED', 'IDLE', 'BUSY']);
    expect(statesIn('ready')).toEqual(['STARTED', 'IDLE', 'BUSY']);
  });

  test('a session is over once it terminates, fails or has terminated', () => {
    expect((['starting', 'ready', 'terminating', 'ended'] as const).filter(isOver)).toEqual(['terminating', 'ended']);
  });
});
