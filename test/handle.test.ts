import { sessionHandle, stackNameOf } from '../lambda/shared/handle';

describe('the session handle', () => {
  test('is <stack name>/<logical id> when it fits a tag value', () => {
    expect(sessionHandle('Producer', 'Session88DA29BA')).toBe('Producer/Session88DA29BA');
    const exactly256 = sessionHandle('S'.repeat(128), 'L'.repeat(127));
    expect(exactly256).toBe(`${'S'.repeat(128)}/${'L'.repeat(127)}`);
  });

  test('keeps its start and ends in a hash of the whole when longer than 256 characters', () => {
    const long = sessionHandle('S'.repeat(128), 'L'.repeat(255));
    expect(long).toHaveLength(256);
    expect(long).toMatch(/^S{128}\/L+-[0-9a-f]{16}$/);
    expect(sessionHandle('S'.repeat(128), `${'L'.repeat(254)}M`)).not.toBe(long);
  });

  test('reads the stack name from a StackId', () => {
    expect(stackNameOf('arn:aws:cloudformation:us-east-1:123456789012:stack/Producer/5b6d2a80-0e21-11f0-9c2a-0affd3b1c2d3')).toBe(
      'Producer',
    );
  });
});
