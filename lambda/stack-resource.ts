import { CloudFormationClient, DescribeStackResourceCommand } from '@aws-sdk/client-cloudformation';
import { describeError, isTransient } from './errors';
import { log } from './log';
import { UNAVAILABLE } from './sessions';

/** The parts of a request that name its resource in CloudFormation, and what kind of request it is. */
export interface ResourceRequest {
  readonly StackId: string;
  readonly LogicalResourceId: string;
  readonly RequestType: 'Create' | 'Update' | 'Delete';
}

/**
 * Whether CloudFormation will hold a session this request started, once the request answers:
 * `owned`, or what CloudFormation has instead (the resource's status and physical id).
 */
export type Ownership =
  { readonly owned: true } | { readonly owned: false; readonly resourceStatus: string; readonly physicalResourceId: string | undefined };

/**
 * What CloudFormation holds for the resource of a request, read with DescribeStackResource.
 *
 * CloudFormation takes the first answer to a request and ignores the others. A request delivered
 * twice runs twice: when one delivery fails before the handler can act (the Provider framework's
 * StartExecution of its waiter, throttled), the framework answers FAILED at once, CloudFormation
 * rolls back, and the other delivery's waiter goes on to start the session it was asked for. Nobody
 * would own that session: a failed Create's rollback Delete never reaches this handler (it names the
 * framework's marker), and a failed Update's rollback names the old session. Only CloudFormation
 * knows which answer it took; so before a request reports a session it started as usable, it asks.
 */
export class StackResource {
  constructor(
    private readonly client: CloudFormationClient,
    private readonly request: ResourceRequest,
  ) {}

  /**
   * `owned` while CloudFormation still waits for an answer of this request's type, or when it
   * holds `sessionArn` already (another delivery answered first). A stack or resource CloudFormation
   * no longer has owns nothing. UNAVAILABLE: CloudFormation could not be asked this time.
   */
  public async ownershipOf(sessionArn: string): Promise<Ownership | typeof UNAVAILABLE> {
    const { StackId, LogicalResourceId, RequestType } = this.request;
    try {
      const { StackResourceDetail: resource } = await this.client.send(
        new DescribeStackResourceCommand({ StackName: StackId, LogicalResourceId }),
      );
      const resourceStatus = resource?.ResourceStatus ?? 'UNKNOWN';
      const physicalResourceId = resource?.PhysicalResourceId;
      const owned = resourceStatus === `${RequestType.toUpperCase()}_IN_PROGRESS` || physicalResourceId === sessionArn;
      return owned ? { owned } : { owned, resourceStatus, physicalResourceId };
    } catch (error) {
      if (isGone(error)) {
        return { owned: false, resourceStatus: 'NOT_FOUND', physicalResourceId: undefined };
      }
      if (!isTransient(error)) {
        throw error;
      }
      log('DescribeStackResource failed for now: asking again at the next poll', { error: describeError(error) });
      return UNAVAILABLE;
    }
  }
}

/** "Stack with id ... does not exist", "Resource ... does not exist for stack ...": CloudFormation has neither any more. */
function isGone(error: unknown): boolean {
  return error instanceof Error && error.name === 'ValidationError' && /does not exist/.test(error.message);
}
