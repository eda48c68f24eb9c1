/**
 * The cdk-nag AwsSolutions findings that the provider's resources raise by design, acknowledged on
 * those resources with the reason, so that users of the library do not have to.
 *
 * Acknowledgements go through aws-cdk-lib's `Validations`, so the library needs no dependency on
 * cdk-nag. Granular ids name the exact resource a finding is about, as cdk-nag prints it, so that
 * an acknowledgement can never hide a wildcard added later.
 */
import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as cr from 'aws-cdk-lib/custom-resources';
import { IConstruct } from 'constructs';

/** `<application ARN>/sessions/*`: the narrowest resource GetSession and TerminateSession accept for sessions not yet created. */
export function acknowledgeSessionsWildcard(policy: iam.Policy, sessionsArn: string): void {
  Validations.of(policy).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagResourceName(policy, sessionsArn)}]`,
    reason:
      'Sessions are started at deploy time, so their ids are unknown when the policy is written: GetSession, ' +
      'TerminateSession, TagResource and UntagResource are scoped to the sessions of one application, the narrowest ' +
      'resource the EMR Serverless API allows.',
  });
}

/**
 * The tag-conditioned grant of `grantConnect(..., { acrossReplacements: true })`: on the application's
 * sessions, narrowed to those that carry one handle tag. Acknowledged on the grantee's policy only.
 */
export function acknowledgeTaggedSessionsGrant(policy: IConstruct, sessionsArn: string): void {
  // Named at synth, once aws-cdk-lib has turned a reference to another stack into what the
  // grantee's template holds (Fn::GetStackOutput for a weak one), which is what cdk-nag names.
  policy.node.addValidation({
    validate: () => {
      Validations.of(policy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagResourceName(policy, sessionsArn)}]`,
        reason:
          "A grant that survives the session's replacement cannot name a session id: it is on the application's sessions, " +
          'with the condition that they carry the handle tag of one session in one stack (aws:ResourceTag/cdk-emr-serverless-session:handle).',
      });
      return [];
    },
  });
}

/** The wildcards and Step Functions settings that aws-cdk-lib's Provider framework brings with it. */
export function acknowledgeProviderFindings(scope: IConstruct, provider: cr.Provider, handlers: lambda.Function[]): void {
  const frameworkFunctions = ['framework-isComplete', 'framework-onTimeout'].map((id) => provider.node.findChild(id) as lambda.Function);
  for (const fn of [...handlers, ...frameworkFunctions]) {
    const logicalId = Stack.of(scope).resolve((fn.node.defaultChild as CfnResource).logicalId);
    Validations.of(scope).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
      reason:
        'The Provider framework (aws-cdk-lib) may invoke this function and its versions: it grants lambda:InvokeFunction on <function ARN>:*.',
    });
  }
  Validations.of(provider).acknowledge(
    {
      id: 'AwsSolutions-SF1',
      reason:
        "The Provider framework's waiter only re-invokes isComplete, which logs every decision to the provider's log group. " +
        'Execution logging would copy CloudFormation events, with their pre-signed response URLs, into logs, and needs ' +
        'log-delivery permissions on Resource "*".',
    },
    {
      id: 'AwsSolutions-SF2',
      reason:
        "aws-cdk-lib's Provider framework offers no X-Ray tracing for its waiter state machine; the handler's logs trace each request.",
    },
  );
}

/**
 * A resource as cdk-nag names it: references as `<LogicalId>` or `<LogicalId.Attribute>`, another
 * stack's export by its name, joins flattened; anything else (`Fn::GetStackOutput`) as its JSON.
 */
function nagResourceName(scope: IConstruct, value: string): string {
  type Intrinsic = {
    'Fn::Join'?: [string, unknown[]];
    'Fn::GetAtt'?: unknown[];
    Ref?: unknown;
    'Fn::ImportValue'?: unknown;
  };
  const visit = (node: unknown): string => {
    if (typeof node === 'string') {
      return node.replace(/\${/g, '<').replace(/}/g, '>');
    }
    const intrinsic = (node ?? {}) as Intrinsic;
    if (intrinsic['Fn::Join']) {
      const [delimiter, items] = intrinsic['Fn::Join'];
      return items.map(visit).join(delimiter);
    }
    if (intrinsic['Fn::GetAtt']) {
      return `<${intrinsic['Fn::GetAtt'].map(visit).join('.')}>`;
    }
    if (intrinsic.Ref !== undefined) {
      return `<${visit(intrinsic.Ref)}>`;
    }
    if (intrinsic['Fn::ImportValue'] !== undefined) {
      return visit(intrinsic['Fn::ImportValue']);
    }
    return JSON.stringify(node);
  };
  return visit(Stack.of(scope).resolve(value));
}
