/**
 * A stand-in for SSM Parameter Store's GetParameter (awsJson1_1), on a port the OS picks: what a
 * client reads the current session's ARN from. It holds String parameters set by the test, and
 * answers ParameterNotFound for any other name, as SSM does.
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { readBody } from './read-body';

export class SsmParameters {
  private readonly values = new Map<string, string>();
  private readonly server = http.createServer((req, res) => void this.handle(req, res));

  /** Listens, and returns the endpoint URL (for AWS_ENDPOINT_URL_SSM). */
  public async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  public stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  public put(name: string, value: string): void {
    this.values.set(name, value);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = JSON.parse((await readBody(req)) || '{}');
    const answer = (status: number, payload: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(payload));
    };
    if (req.headers['x-amz-target'] !== 'AmazonSSM.GetParameter') {
      return answer(400, { __type: 'UnknownOperationException', message: `not stood in for: ${req.headers['x-amz-target']}` });
    }
    const value = this.values.get(body.Name);
    if (value === undefined) {
      return answer(400, { __type: 'ParameterNotFound', message: `Parameter ${body.Name} not found.` });
    }
    answer(200, { Parameter: { Name: body.Name, Type: 'String', Value: value, Version: 1 } });
  }
}
