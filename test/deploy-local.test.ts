/**
 * `npm run deploy:local`, the README's "Try it without an AWS account", run as a user runs it: every
 * state the session goes through, every output of the stack, the handler's decision log with
 * `--verbose`, a failed start with `--scenario fail-to-start`, and a clear message for a mistake in
 * how it is run. The script runs in a process of its own on real time (seconds).
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function deployLocal(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(TSX, ['scripts/deploy-local.ts', ...args], { cwd: ROOT, timeout: 90_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The states a session went through, in the order the run printed them. */
function statesOf(stdout: string): string[] {
  return [...stdout.matchAll(/ {2}session 00f\w+\s+([A-Z]+)/g)].map((match) => match[1]);
}

describe('npm run deploy:local', () => {
  // Both runs at once: each has its own emulator on ports the OS picks.
  const runs = Promise.all([deployLocal('--verbose'), deployLocal('--scenario', 'fail-to-start')]);

  test('shows every state of the session, every output, and what was left: nothing', async () => {
    const [lifecycle] = await runs;
    expect(lifecycle).toMatchObject({ code: 0, stderr: '' });
    expect(statesOf(lifecycle.stdout)).toEqual(['SUBMITTED', 'STARTING', 'IDLE', 'TERMINATING', 'TERMINATED']);
    for (const output of ['SessionId', 'SessionArn', 'SessionEndpoint', 'HandlerLogGroup']) {
      expect(lifecycle.stdout).toMatch(new RegExp(`EmrServerlessSessionExample\\.${output} += \\S`));
    }
    expect(lifecycle.stdout).toMatch(/HandlerLogGroup += \/cdk-emr-serverless-session\/EmrServerlessSessionExample\/[0-9a-f-]{36}\n/);
    expect(lifecycle.stdout).toContain('Sessions started: 1; duplicates: 0; still running: 0');
  });

  test('--verbose prints the decision log, one line per decision, and never the endpoint token', async () => {
    const [lifecycle] = await runs;
    const decisions = lifecycle.stdout.split('\n').filter((line) => /^\S+ +\+ *[\d.]+s {6}handler /.test(line));
    const named = decisions.map((line) => line.replace(/^.*handler +/, ''));
    expect(named.some((line) => line.startsWith('session is not ready yet') && line.includes('state=SUBMITTED'))).toBe(true);
    expect(named.some((line) => line.startsWith('session is ready'))).toBe(true);
    expect(named.some((line) => line.startsWith('terminating session'))).toBe(true);
    // The emulator's tokens are `emulator-auth-token-<hash>`; the ResponseURL's signature is a UUID.
    expect(lifecycle.stdout).not.toMatch(/emulator-auth-token-|X-Amz-Signature=[0-9a-f]/);
  });

  test('--scenario fail-to-start: the create fails with the service reason, rolls back, and leaves the log group it names', async () => {
    const [, failed] = await runs;
    expect(failed).toMatchObject({ code: 0, stderr: '' });
    expect(statesOf(failed.stdout)).toEqual(['SUBMITTED', 'STARTING', 'FAILED']);
    expect(failed.stdout).toMatch(
      /Session88DA29BA +CREATE_FAILED +session 00f\w+ is FAILED before it became usable: Driver failed to start: ServiceQuotaExceeded/,
    );
    expect(failed.stdout).toContain('ROLLBACK_COMPLETE');
    const [, named] = /\(handler log group: (\S+)\)/.exec(failed.stdout)!;
    expect(failed.stdout).toContain(`The handler's log group, which the reason names, outlives the rollback: ${named}`);
    expect(failed.stdout).toContain('Sessions started: 1; duplicates: 0; still running: 0');
  });

  test.each([
    [['--scenario', 'nope'], /^unknown scenario 'nope': one of lifecycle, fail-to-start\nusage: npm run deploy:local/],
    [['--colour'], /^unknown argument '--colour'\nusage: npm run deploy:local/],
    [['--assembly', '/'], /^--assembly must be a directory under .+, got \/\n$/],
  ])('refuses %j with what is allowed, and no stack trace', async (args, message) => {
    const run = await deployLocal(...args);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
