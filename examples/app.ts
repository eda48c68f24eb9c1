/**
 * The example app: an EMR Serverless application with interactive sessions enabled, an execution
 * role, and one session, whose id, ARN and endpoint are stack outputs; an SSM parameter that always
 * holds the current session ARN; and a notebook role that may connect to the session and to every
 * session that replaces it.
 *
 *   npx cdk synth                              # the template, offline, with no AWS account
 *   npx cdk deploy                             # the real thing, in the account and region of your credentials
 *   npx cdk deploy -c renewalToken=$RUN_ID     # the same, and a new session if the last one has ended
 *
 * Tests build it through `buildApp()`, so the code shown in the README keeps compiling and working.
 */
import { App, CfnOutput, Duration, Stack, StackProps, Tags } from 'aws-cdk-lib';
import * as emrserverless from 'aws-cdk-lib/aws-emrserverless';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { Session, SessionRenewal } from '../lib';

export interface ExampleStackProps extends StackProps {
  /** A value that changes on the deploys that should renew an ended session (a CI run id, a date). */
  readonly renewalToken?: string;
}

export class ExampleStack extends Stack {
  public readonly application: emrserverless.CfnApplication;
  public readonly executionRole: iam.Role;
  public readonly session: Session;

  constructor(scope: Construct, id: string, props: ExampleStackProps = {}) {
    super(scope, id, props);

    const application = (this.application = new emrserverless.CfnApplication(this, 'Application', {
      name: 'interactive-analytics',
      releaseLabel: 'emr-7.13.0',
      type: 'SPARK',
      interactiveConfiguration: { sessionEnabled: true },
      autoStartConfiguration: { enabled: true },
      autoStopConfiguration: { enabled: true, idleTimeoutMinutes: 15 },
    }));

    const executionRole = (this.executionRole = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('emr-serverless.amazonaws.com'),
      description: 'Assumed by the Spark driver and executors of the example sessions',
    }));

    const session = (this.session = new Session(this, 'Session', {
      application,
      executionRole,
      // The name the example has always had: a deployed example stack keeps its session.
      sessionName: 'analytics-0',
      idleTimeout: Duration.minutes(30),
      runtimeConfiguration: [
        { classification: 'spark-defaults', properties: { 'spark.executor.cores': '2', 'spark.executor.memory': '4g' } },
      ],
      tags: { team: 'analytics' },
      renewal: props.renewalToken ? SessionRenewal.ifEnded(props.renewalToken) : SessionRenewal.never(),
      parameterName: `/${this.stackName}/session-arn`,
    }));

    // No export names: another stack reads these with Fn::GetStackOutput, so a replaced session
    // never blocks an update of this stack.
    new CfnOutput(this, 'SessionId', { value: session.sessionId });
    new CfnOutput(this, 'SessionArn', { value: session.sessionArn });
    new CfnOutput(this, 'SessionEndpoint', { value: session.sessionEndpoint });
    new CfnOutput(this, 'HandlerLogGroup', { value: session.handlerLogGroup.logGroupName });

    const notebookRole = new iam.Role(this, 'NotebookRole', {
      assumedBy: new iam.AccountRootPrincipal(),
      description: 'May connect a Spark Connect client to the example session, and to every session that replaces it',
    });
    session.grantConnect(notebookRole, { acrossReplacements: true });
    session.parameter?.grantRead(notebookRole);
    Tags.of(this).add('project', 'cdk-emr-serverless-session-example');
  }
}

export function buildApp(app: App = new App()): App {
  new ExampleStack(app, 'EmrServerlessSessionExample', { renewalToken: app.node.tryGetContext('renewalToken') });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
