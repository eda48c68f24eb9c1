import { Duration } from 'aws-cdk-lib';
import { IApplicationRef } from 'aws-cdk-lib/aws-emrserverless';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ATTRIBUTES_REVISION } from '../lambda/shared/contract';
import { START_TIMEOUT_DEFAULT_SECONDS } from '../lambda/shared/limits';
import { SessionRenewal } from '../lib';
import { renderProperties, startTimeoutSecondsOf } from '../lib/session-properties';
import { SessionProps } from '../lib/session';

// No stack: the properties are a function of the props alone.
const application = { applicationRef: { applicationId: '00fapp', applicationArn: 'arn:app' } } as unknown as IApplicationRef;
const executionRole = { roleArn: 'arn:aws:iam::123456789012:role/spark' } as iam.IRole;
const props = (more: Partial<SessionProps> = {}): SessionProps => ({ application, executionRole, ...more });

describe('renderProperties', () => {
  test('renders every prop for the handler: idle timeout in minutes, start timeout in seconds, configurations nested', () => {
    const rendered = renderProperties(
      props({
        sessionName: 'analytics',
        idleTimeout: Duration.hours(2),
        startTimeout: Duration.minutes(10),
        runtimeConfiguration: [
          {
            classification: 'spark-defaults',
            properties: { 'spark.executor.memory': '4g' },
            configurations: [{ classification: 'nested' }],
          },
        ],
        renewal: SessionRenewal.ifEnded('2026-12'),
      }),
      { team: 'analytics' },
    );
    expect(rendered).toEqual({
      ApplicationId: '00fapp',
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/spark',
      Name: 'analytics',
      IdleTimeoutMinutes: 120,
      RuntimeConfiguration: [
        { Classification: 'spark-defaults', Properties: { 'spark.executor.memory': '4g' }, Configurations: [{ Classification: 'nested' }] },
      ],
      Tags: { team: 'analytics' },
      StartTimeoutSeconds: 600,
      AttributesRevision: ATTRIBUTES_REVISION,
      RenewalMode: 'IF_ENDED',
      RenewalToken: '2026-12',
    });
  });

  test('omits every optional prop that is not given, an empty configuration list and never-renew included', () => {
    const rendered = renderProperties(props({ runtimeConfiguration: [], renewal: SessionRenewal.never() }), undefined);
    expect(rendered).toEqual({ ApplicationId: '00fapp', ExecutionRoleArn: executionRole.roleArn, AttributesRevision: ATTRIBUTES_REVISION });
  });

  test("an absent start timeout is the handler's default, which the properties leave out", () => {
    expect(startTimeoutSecondsOf(props())).toBe(START_TIMEOUT_DEFAULT_SECONDS);
    expect(startTimeoutSecondsOf(props({ startTimeout: Duration.minutes(45) }))).toBe(2700);
  });
});
