/**
 * examples/client.py, the client the README tells users to copy, run with the machine's python3 and
 * boto3 against the emulator and an SSM stand-in: it finds the current session from the parameter,
 * refuses an ended one with what to do, builds the Spark Connect URL, schedules the token refresh,
 * and never prints the token. PySpark is not reachable here, so the run stops at the URL
 * (`--url-only`); everything before the connection is the code a user runs.
 */
import { execFile, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { EMRServerlessClient, StartSessionCommand } from '@aws-sdk/client-emr-serverless';
import { EmrServerlessEmulator } from '../tools/local-cloud/emulator';
import { SsmParameters } from '../tools/local-cloud/ssm-parameters';

const CLIENT = path.join(__dirname, '..', 'examples', 'client.py');
const PARAMETER = '/Analytics/session-arn';
const python = spawnSync('python3', ['-c', 'import boto3; print(boto3.__version__)'], { encoding: 'utf8' });
const available = python.status === 0;
if (!available && process.env.CI !== 'true') {
  // boto3 is on the CI machines (python3's own), maybe not on yours; CI never skips this.
  console.warn('python3 with boto3 is not installed: examples/client.py was NOT run');
}
const maybe = available || process.env.CI === 'true' ? describe : describe.skip;

maybe('examples/client.py', () => {
  let clock = 1_800_000_000_000;
  const emulator = new EmrServerlessEmulator({ now: () => clock });
  const ssm = new SsmParameters();
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    const [emrEndpoint, ssmEndpoint] = await Promise.all([emulator.start(), ssm.start()]);
    env = {
      PATH: process.env.PATH,
      AWS_ENDPOINT_URL_EMR_SERVERLESS: emrEndpoint,
      AWS_ENDPOINT_URL_SSM: ssmEndpoint,
      AWS_ACCESS_KEY_ID: 'AKID',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      // Importing the client would leave examples/__pycache__ behind.
      PYTHONDONTWRITEBYTECODE: '1',
    };
  });
  afterAll(() => Promise.all([emulator.stop(), ssm.stop()]));

  async function startSession(): Promise<string> {
    emulator.reset();
    emulator.addApplication('00fapp');
    const client = new EMRServerlessClient({
      endpoint: emulator.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
    });
    const { sessionId, arn } = await client.send(
      new StartSessionCommand({
        applicationId: '00fapp',
        clientToken: `t-${clock}`,
        executionRoleArn: 'arn:aws:iam::123456789012:role/Spark',
      }),
    );
    ssm.put(PARAMETER, arn!);
    return sessionId!;
  }

  /** python3 with `args`, asynchronously: the emulator answering it runs in this process. */
  const python3 = (...args: string[]) =>
    new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      execFile('python3', args, { encoding: 'utf8', env, timeout: 30_000 }, (error, stdout, stderr) =>
        resolve({ status: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  const run = (...args: string[]) => python3(CLIENT, ...args);

  test('prints the Spark Connect URL of the current session, its token redacted, and when the token is asked for again', async () => {
    const sessionId = await startSession();
    clock += 60_000; // past SUBMITTED and STARTING: IDLE
    const result = await run(PARAMETER, '--url-only');

    expect([result.status, result.stderr]).toEqual([0, '']);
    const expiresAt = new Date(clock + 3_600_000).toISOString().replace('.000Z', '+00:00');
    const refreshAt = new Date(clock + 3_300_000).toISOString().replace('.000Z', '+00:00');
    expect(result.stdout.split('\n')).toEqual([
      `session ${sessionId} is IDLE`,
      `Spark Connect URL: sc://${sessionId}.sessions.emr-serverless-emulator.local:443/;use_ssl=true;x-aws-proxy-auth=<redacted>`,
      `token expires at ${expiresAt}; asked for again at ${refreshAt}`,
      '',
    ]);
    expect(emulator.authTokensIssued).toHaveLength(1);
    expect(result.stdout).not.toContain(emulator.authTokensIssued[0]);
  });

  test('refuses a session that has ended, saying to deploy with a new renewal token', async () => {
    const sessionId = await startSession();
    clock += 60_000;
    emulator.endSession(sessionId);
    clock += 60_000;
    const result = await run(PARAMETER, '--url-only');

    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(
      `not connecting: session ${sessionId} is TERMINATED (Session terminated after idle timeout): ` +
        'deploy the stack again with a new renewal token for a new session, then run this again',
    );
    expect(emulator.authTokensIssued).toHaveLength(0);
  });

  test('the token is asked for again five minutes before it expires, and not before', async () => {
    await startSession();
    clock += 60_000;
    const script = [
      'import datetime, sys',
      `sys.path.insert(0, ${JSON.stringify(path.dirname(CLIENT))})`,
      'import boto3, client',
      'ids = client.current_session(boto3.client("ssm"), sys.argv[1])',
      'now = [datetime.datetime.fromtimestamp(int(sys.argv[2]) / 1000, datetime.timezone.utc)]',
      'endpoint = client.EndpointToken(boto3.client("emr-serverless"), *ids, now=lambda: now[0])',
      'first = endpoint.token()',
      'now[0] = endpoint.refresh_at - datetime.timedelta(seconds=1)',
      'print(endpoint.token() == first)',
      'now[0] = endpoint.refresh_at',
      'print(endpoint.token() == first)',
    ].join('\n');
    const result = await python3('-c', script, PARAMETER, String(clock));

    expect([result.stderr, result.stdout]).toEqual(['', 'True\nFalse\n']);
    expect(emulator.authTokensIssued).toHaveLength(2);
  });
});
