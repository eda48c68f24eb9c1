/**
 * The example app: an EMR Serverless application with interactive sessions enabled, an execution
 * role, and one session, whose id and ARN are stack outputs.
 *
 *   npx cdk synth     # the template, offline, with no AWS account
 *   npx cdk deploy    # the real thing, in the account and region of your credentials
 *
 * Tests build it through `buildApp()`, so the code shown in the README keeps compiling and working.
 */
import { App, CfnOutput, Duration, Stack, StackProps, Tags } from 'aws-cdk-lib';
import * as emrserverless from 'aws-cdk-lib/aws-emrserverless';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { Session } from '../lib';

export interface ExampleStackProps extends StackProps {
  /** How many sessions the stack declares; 1 unless you want to see how it scales. */
  readonly sessionCount?: number;
}

export class ExampleStack extends Stack {
  public readonly application: emrserverless.CfnApplication;
  public readonly executionRole: iam.Role;
  public readonly sessions: Session[] = [];

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

    for (let index = 0; index < (props.sessionCount ?? 1); index++) {
      const suffix = index === 0 ? '' : `${index}`;
      const session = new Session(this, `Session${suffix}`, {
        application,
        executionRole,
        sessionName: `analytics-${index}`,
        idleTimeout: Duration.minutes(30),
        runtimeConfiguration: [
          { classification: 'spark-defaults', properties: { 'spark.executor.cores': '2', 'spark.executor.memory': '4g' } },
        ],
        tags: { team: 'analytics' },
      });
      this.sessions.push(session);
    }

    const [first] = this.sessions;
    if (first) {
      new CfnOutput(this, 'SessionId', { value: first.sessionId, exportName: `${this.stackName}-SessionId` });
      new CfnOutput(this, 'SessionArn', { value: first.sessionArn, exportName: `${this.stackName}-SessionArn` });
    }
    Tags.of(this).add('project', 'cdk-emr-serverless-session-example');
  }
}

export function buildApp(app: App = new App()): App {
  new ExampleStack(app, 'EmrServerlessSessionExample');
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
