/**
 * The integration test, in the aws-cdk way: the example stack, deployed to a real account, and
 * assertions (@aws-cdk/integ-tests-alpha) that fail the deploy when the session is not usable.
 *
 *   npm run integ:deploy    # deploys to the account and region of your credentials, then destroys
 *
 * Offline, `test/integ/integ.test.ts` synthesizes this app and compares it with the committed
 * snapshot, so any change to what a real deploy would create shows up as a reviewable diff.
 */
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration } from 'aws-cdk-lib';
import { ExampleStack } from '../../examples/app';

export const INTEG_STACK_NAME = 'IntegEmrServerlessSession';

export function buildIntegApp(app: App = new App()): App {
  const stack = new ExampleStack(app, INTEG_STACK_NAME);
  const { session } = stack;
  const integ = new IntegTest(app, 'SessionIntegTest', { testCases: [stack], diffAssets: true });
  const waitUpTo = { totalTimeout: Duration.minutes(15), interval: Duration.seconds(30) };

  // Usable: IDLE (or busy) as the service reports it, with the id the stack handed out.
  integ.assertions
    .awsApiCall('EMRServerless', 'getSession', { applicationId: session.applicationId, sessionId: session.sessionId })
    .expect(
      ExpectedResult.objectLike({ session: { sessionId: session.sessionId, state: Match.stringLikeRegexp('^(IDLE|BUSY|STARTED)$') } }),
    )
    .waitForAssertions(waitUpTo);

  // The endpoint attribute is a URL. It is not compared with GetSessionEndpoint's answer here: the
  // assertion handler logs every API response it gets, and that answer carries the auth token.
  integ.assertions
    .awsApiCall('CloudFormation', 'describeStacks', { StackName: stack.stackName })
    .expect(
      ExpectedResult.objectLike({
        Stacks: Match.arrayWith([
          Match.objectLike({
            Outputs: Match.arrayWith([
              Match.objectLike({ OutputKey: 'SessionEndpoint', OutputValue: Match.stringLikeRegexp('^https://') }),
            ]),
          }),
        ]),
      }),
    )
    .waitForAssertions(waitUpTo);
  return app;
}

if (require.main === module) {
  buildIntegApp().synth();
}
