/**
 * The emulator is only worth trusting if the real SDK sees it as it sees the service: these tests
 * drive it with `@aws-sdk/client-emr-serverless` over HTTP and check the SDK's view of each answer.
 */
import {
  ConflictException,
  EMRServerlessClient,
  GetApplicationCommand,
  GetSessionCommand,
  GetSessionEndpointCommand,
  ListSessionsCommand,
  ListTagsForResourceCommand,
  ResourceNotFoundException,
  StartSessionCommand,
  TagResourceCommand,
  TerminateSessionCommand,
  UntagResourceCommand,
  ValidationException,
} from '@aws-sdk/client-emr-serverless';
import { BOUNDARY_CASES, BoundaryCase } from '../fixtures/start-session-constraints';
import { EmrServerlessEmulator } from '../../tools/local-cloud/emulator';

const ROLE = 'arn:aws:iam::123456789012:role/SessionRole';
let clock = 1_800_000_000_000;
const emulator = new EmrServerlessEmulator({ now: () => clock });
let client: EMRServerlessClient;

beforeAll(async () => {
  const endpoint = await emulator.start();
  client = new EMRServerlessClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
});
afterAll(() => emulator.stop());
beforeEach(() => {
  emulator.reset();
  emulator.addApplication('00fapp');
});

const start = (overrides: Record<string, unknown> = {}) =>
  client.send(new StartSessionCommand({ applicationId: '00fapp', clientToken: 'token-1', executionRoleArn: ROLE, ...overrides }));

test('a session moves SUBMITTED -> STARTING -> IDLE as the clock advances, with the SDK parsing every field', async () => {
  const { sessionId, arn } = await start({ name: 'n', idleTimeoutMinutes: 30 });
  expect(arn).toBe(`arn:aws:emr-serverless:us-east-1:123456789012:/applications/00fapp/sessions/${sessionId}`);
  const states = [];
  for (const advance of [0, 10_000, 40_000]) {
    clock += advance;
    const { session } = await client.send(new GetSessionCommand({ applicationId: '00fapp', sessionId }));
    states.push(session!.state);
    expect(session!.createdAt).toBeInstanceOf(Date);
    expect(session!.idleTimeoutMinutes).toBe(30);
  }
  expect(states).toEqual(['SUBMITTED', 'STARTING', 'IDLE']);
});

test('the same token with the same parameters returns the same session; with others, a ConflictException', async () => {
  const first = await start({ name: 'n' });
  const again = await start({ name: 'n' });
  expect(again.sessionId).toBe(first.sessionId);
  await expect(start({ name: 'other' })).rejects.toBeInstanceOf(ConflictException);
  expect(emulator.sessionsPerToken().get('token-1')).toBe(1);
});

test.each([
  ['a client token with a bad character', { clientToken: 'bad token!' }],
  ['a client token of 65 characters', { clientToken: 'a'.repeat(65) }],
])('refuses %s with a ValidationException', async (_case, overrides) => {
  await expect(start(overrides)).rejects.toBeInstanceOf(ValidationException);
  expect(emulator.sessionIds()).toEqual([]);
});

describe('the boundary cases of the API reference, through the SDK', () => {
  test.each(BOUNDARY_CASES.map((c) => [c.name, c] as [string, BoundaryCase]))('%s', async (_name, boundary) => {
    const { applicationId = '00fapp', runtimeConfiguration, ...rest } = boundary.request;
    if (boundary.serviceAccepts) {
      emulator.addApplication(applicationId);
    }
    const answer = await start({
      applicationId,
      ...rest,
      ...(runtimeConfiguration && { configurationOverrides: { runtimeConfiguration } }),
    }).then(
      () => 'accepted',
      (error: Error) => `refused: ${error.name}`,
    );
    expect(answer).toMatch(boundary.serviceAccepts ? /^accepted$/ : /^refused: (ValidationException|ResourceNotFoundException)$/);
  });
});

test('an application without sessions enabled refuses them', async () => {
  emulator.addApplication('00fnosessions', { sessionEnabled: false });
  await expect(start({ applicationId: '00fnosessions' })).rejects.toThrow(/Interactive sessions are not enabled/);
});

test('GetApplication describes an application, which starts with its first session', async () => {
  const describe = async () => (await client.send(new GetApplicationCommand({ applicationId: '00fapp' }))).application!;
  expect(await describe()).toMatchObject({ applicationId: '00fapp', releaseLabel: 'emr-7.13.0', type: 'SPARK', state: 'CREATED' });
  await start();
  expect((await describe()).state).toBe('STARTED');
});

test('an unknown application or session is a ResourceNotFoundException', async () => {
  await expect(start({ applicationId: '00fmissing' })).rejects.toBeInstanceOf(ResourceNotFoundException);
  await expect(client.send(new GetSessionCommand({ applicationId: '00fapp', sessionId: '00fmissing' }))).rejects.toBeInstanceOf(
    ResourceNotFoundException,
  );
});

test('ListSessions filters by state and pages with nextToken', async () => {
  for (const token of ['a', 'b', 'c']) {
    await start({ clientToken: token });
  }
  const { sessionId } = await start({ clientToken: 'd' });
  await client.send(new TerminateSessionCommand({ applicationId: '00fapp', sessionId }));
  const first = await client.send(new ListSessionsCommand({ applicationId: '00fapp', states: ['SUBMITTED'] }));
  const second = await client.send(new ListSessionsCommand({ applicationId: '00fapp', states: ['SUBMITTED'], nextToken: first.nextToken }));
  expect([...first.sessions!, ...second.sessions!]).toHaveLength(3);
  expect(second.nextToken).toBeUndefined();
});

test('tags are added, listed and removed through the session ARN', async () => {
  const { arn, sessionId } = (await start({ tags: { a: '1' } })) as { arn: string; sessionId: string };
  await client.send(new TagResourceCommand({ resourceArn: arn, tags: { b: '2' } }));
  await client.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['a'] }));
  const { tags } = await client.send(new ListTagsForResourceCommand({ resourceArn: arn }));
  expect(tags).toEqual({ b: '2' });
  expect(emulator.tagsOf(sessionId)).toEqual({ b: '2' });
});

test('TerminateSession moves a live session through TERMINATING to TERMINATED', async () => {
  const { sessionId } = (await start()) as { sessionId: string };
  await client.send(new TerminateSessionCommand({ applicationId: '00fapp', sessionId }));
  expect(emulator.stateOf(sessionId)).toBe('TERMINATING');
  clock += 5_000;
  expect(emulator.stateOf(sessionId)).toBe('TERMINATED');
  expect(emulator.liveSessions()).toEqual([]);
});

test('injected faults reach the SDK as the service would send them', async () => {
  emulator.injectFaults('StartSession', 'internal-error', 'throttle');
  await expect(start()).rejects.toMatchObject({ name: 'InternalServerException', $metadata: { httpStatusCode: 500 } });
  await expect(start()).rejects.toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } });
  await expect(start()).resolves.toMatchObject({ applicationId: '00fapp' });
  emulator.injectFaults('GetSession', 'not-found');
  const { sessionId } = (await start()) as { sessionId: string };
  await expect(client.send(new GetSessionCommand({ applicationId: '00fapp', sessionId }))).rejects.toBeInstanceOf(
    ResourceNotFoundException,
  );
  await expect(client.send(new GetSessionCommand({ applicationId: '00fapp', sessionId }))).resolves.toBeDefined();
});

test('drop-after-commit starts the session and loses the answer', async () => {
  emulator.injectFaults('StartSession', 'drop-after-commit');
  await expect(start()).rejects.toThrow();
  expect(emulator.sessionIds()).toHaveLength(1);
});

test('GetSessionEndpoint answers a ready session with its URL and a one-hour token, and refuses one still starting', async () => {
  const { sessionId } = await start();
  await expect(client.send(new GetSessionEndpointCommand({ applicationId: '00fapp', sessionId }))).rejects.toBeInstanceOf(
    ValidationException,
  );
  clock += 60_000;
  const answer = await client.send(new GetSessionEndpointCommand({ applicationId: '00fapp', sessionId }));
  expect(answer.endpoint).toMatch(/^https:\/\/\S+$/);
  expect(answer.authToken).toBe(emulator.authTokensIssued[0]);
  expect(answer.authTokenExpiresAt).toEqual(new Date(clock + 3_600_000));
});
