/**
 * The two ways to declare N EMR Serverless sessions in one stack that the benchmark compares:
 * the library's `Session`, and the `custom_resources.AwsCustomResource` way users write today.
 * Both declare the same application, role and session properties.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as emrserverless from 'aws-cdk-lib/aws-emrserverless';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Session } from '../lib';

export type Variant = 'baseline' | 'library';

const SESSION_PROPERTIES = {
  idleTimeoutMinutes: 30,
  sparkDefaults: { 'spark.executor.cores': '2', 'spark.executor.memory': '4g' },
  tags: { team: 'analytics' },
};

/** A stack with an application, an execution role and `count` sessions declared the given way. */
export function buildStack(variant: Variant, count: number, app = new App()): Stack {
  const stack = new Stack(app, `Bench-${variant}-${count}`, { env: { account: '123456789012', region: 'us-east-1' } });
  const application = new emrserverless.CfnApplication(stack, 'Application', {
    releaseLabel: 'emr-7.13.0',
    type: 'SPARK',
    interactiveConfiguration: { sessionEnabled: true },
  });
  const executionRole = new iam.Role(stack, 'ExecutionRole', { assumedBy: new iam.ServicePrincipal('emr-serverless.amazonaws.com') });
  for (let index = 0; index < count; index++) {
    if (variant === 'library') {
      librarySession(stack, index, application, executionRole);
    } else {
      baselineSession(stack, index, application, executionRole);
    }
  }
  return stack;
}

function librarySession(stack: Stack, index: number, application: emrserverless.CfnApplication, executionRole: iam.IRole): void {
  new Session(stack, `Session${index}`, {
    application,
    executionRole,
    sessionName: `analytics-${index}`,
    idleTimeout: Duration.minutes(SESSION_PROPERTIES.idleTimeoutMinutes),
    runtimeConfiguration: [{ classification: 'spark-defaults', properties: SESSION_PROPERTIES.sparkDefaults }],
    tags: SESSION_PROPERTIES.tags,
  });
}

/**
 * The careful user's AwsCustomResource: StartSession on create, TerminateSession on delete, the
 * session id as physical id, id and ARN read from the response, and iam:PassRole added by hand
 * because AwsCustomResource's generated policy does not know StartSession needs it.
 */
function baselineSession(stack: Stack, index: number, application: emrserverless.CfnApplication, executionRole: iam.IRole): void {
  const session = new cr.AwsCustomResource(stack, `Session${index}`, {
    onCreate: {
      service: 'EMRServerless',
      action: 'StartSession',
      parameters: {
        applicationId: application.attrApplicationId,
        executionRoleArn: executionRole.roleArn,
        name: `analytics-${index}`,
        idleTimeoutMinutes: SESSION_PROPERTIES.idleTimeoutMinutes,
        configurationOverrides: {
          runtimeConfiguration: [{ classification: 'spark-defaults', properties: SESSION_PROPERTIES.sparkDefaults }],
        },
        tags: SESSION_PROPERTIES.tags,
      },
      physicalResourceId: cr.PhysicalResourceId.fromResponse('sessionId'),
    },
    onDelete: {
      service: 'EMRServerless',
      action: 'TerminateSession',
      parameters: { applicationId: application.attrApplicationId, sessionId: new cr.PhysicalResourceIdReference() },
    },
    policy: cr.AwsCustomResourcePolicy.fromStatements([
      new iam.PolicyStatement({ actions: ['emr-serverless:StartSession', 'emr-serverless:TagResource'], resources: [application.attrArn] }),
      new iam.PolicyStatement({ actions: ['emr-serverless:TerminateSession'], resources: [`${application.attrArn}/sessions/*`] }),
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [executionRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'emr-serverless.amazonaws.com' } },
      }),
    ]),
    installLatestAwsSdk: false,
  });
  session.getResponseField('sessionId');
  session.getResponseField('arn');
}
