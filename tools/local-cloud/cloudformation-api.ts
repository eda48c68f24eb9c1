/**
 * A stand-in for the CloudFormation API's DescribeStackResource (the Query protocol: a form-encoded
 * POST, an XML answer), on a port the OS picks: what the handler asks before it reports a session
 * it started (`lambda/stack-resource.ts`). Each `CloudFormationDriver` registers the stack it plays,
 * and the answer is what that driver says CloudFormation holds for the resource at that moment: the
 * request in progress, or the first answer CloudFormation took. One server per process, started by
 * the first driver that runs a request, so that the handler's SDK client, made once, keeps reaching it.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { readBody } from './read-body';

/** What DescribeStackResource says of a resource. */
export interface DescribedResource {
  readonly resourceType: string;
  readonly status: string;
  readonly physicalId?: string;
  /** When the status was last set, on the clock. */
  readonly updatedAt: number;
}

/** How CloudFormation can answer a call instead: a 500, or throttling (it answers 400 Throttling, as the API does). */
export type CloudFormationFault = 'internal-error' | 'throttle';

/** What the local stack's driver tells the stand-in: its stack's name, and each resource as it is now. */
export interface DescribedStack {
  readonly stackName: string;
  describe(logicalId: string): DescribedResource | undefined;
}

class LocalCloudFormationApi {
  private readonly stacks = new Map<string, DescribedStack>();
  private readonly faults: CloudFormationFault[] = [];
  private listening?: Promise<void>;
  /** Every DescribeStackResource that arrived, faulted ones included: when (on the clock), and the SDK call it belongs to. */
  public readonly calls: Array<{ readonly at: number; readonly sdkCallId?: string }> = [];

  /** Answers for `stackId` from now on, listening first if no driver has yet. */
  public async serve(stackId: string, stack: DescribedStack): Promise<void> {
    this.stacks.set(stackId, stack);
    this.listening ??= this.listen();
    await this.listening;
  }

  /** The next calls fail, one fault each, in order. */
  public injectFaults(...faults: CloudFormationFault[]): void {
    this.faults.push(...faults);
  }

  public clearFaults(): void {
    this.faults.length = 0;
  }

  private async listen(): Promise<void> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    server.unref(); // never what keeps a test run or a script alive
    process.env.AWS_ENDPOINT_URL_CLOUDFORMATION = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    const answer = (status: number, xml: string): void => {
      res.writeHead(status, { 'content-type': 'text/xml' }).end(xml);
    };
    if (form.get('Action') !== 'DescribeStackResource') {
      return answer(400, errorXml('InvalidAction', `not stood in for: ${form.get('Action')}`));
    }
    const sdkCallId = req.headers['amz-sdk-invocation-id'];
    this.calls.push({ at: Date.now(), sdkCallId: typeof sdkCallId === 'string' ? sdkCallId : undefined });
    const fault = this.faults.shift();
    if (fault === 'internal-error') {
      return answer(500, errorXml('InternalFailure', 'Injected internal error', 'Receiver'));
    }
    if (fault === 'throttle') {
      return answer(400, errorXml('Throttling', 'Rate exceeded'));
    }
    const stackId = form.get('StackName') ?? '';
    const logicalId = form.get('LogicalResourceId') ?? '';
    const stack = this.stacks.get(stackId);
    if (!stack) {
      return answer(400, errorXml('ValidationError', `Stack with id ${stackId} does not exist`));
    }
    const resource = stack.describe(logicalId);
    if (!resource) {
      return answer(400, errorXml('ValidationError', `Resource ${logicalId} does not exist for stack ${stack.stackName}`));
    }
    answer(
      200,
      `<DescribeStackResourceResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">` +
        `<DescribeStackResourceResult><StackResourceDetail>` +
        `<StackName>${stack.stackName}</StackName><StackId>${stackId}</StackId>` +
        `<LogicalResourceId>${logicalId}</LogicalResourceId>` +
        (resource.physicalId === undefined ? '' : `<PhysicalResourceId>${escapeXml(resource.physicalId)}</PhysicalResourceId>`) +
        `<ResourceType>${resource.resourceType}</ResourceType>` +
        `<LastUpdatedTimestamp>${new Date(resource.updatedAt).toISOString()}</LastUpdatedTimestamp>` +
        `<ResourceStatus>${resource.status}</ResourceStatus>` +
        `</StackResourceDetail></DescribeStackResourceResult>` +
        `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></DescribeStackResourceResponse>`,
    );
  }
}

function errorXml(code: string, message: string, type: 'Sender' | 'Receiver' = 'Sender'): string {
  return (
    `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>${type}</Type>` +
    `<Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`
  );
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The process's one CloudFormation API stand-in. */
export const localCloudFormationApi = new LocalCloudFormationApi();
