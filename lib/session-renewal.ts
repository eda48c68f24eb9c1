import { RenewalMode } from '../lambda/shared/contract';

/**
 * Whether, and how, a deploy renews a session on purpose.
 *
 * A session lives at most 24 hours, and ends after its idle timeout; the stack that declares it
 * lives for months. A renewal token (yours: a CI run id, a date) changes on the deploys that should
 * renew, so synth stays deterministic and `cdk diff` shows a change only when the token changed.
 */
export class SessionRenewal {
  /**
   * No renewal on purpose: a session is replaced only when a property that needs a new session
   * changes, or when any update finds it ended.
   */
  public static never(): SessionRenewal {
    return new SessionRenewal();
  }

  /**
   * On a deploy that changes the token, a live session (starting, STARTED, IDLE or BUSY) is kept
   * under the same physical id, and an ended one (TERMINATED, FAILED, or gone) is replaced by a new
   * session. A live session is never replaced: use this to make sure a session runs after every deploy.
   *
   * @param token a value that changes when the session should be renewed; a CDK token is allowed
   */
  public static ifEnded(token: string): SessionRenewal {
    return new SessionRenewal('IF_ENDED', token);
  }

  /**
   * On a deploy that changes the token, a new session is started whatever the state of the current
   * one, and CloudFormation then deletes the old one: a fresh 24 hours after every such deploy.
   *
   * @param token a value that changes when the session should be renewed; a CDK token is allowed
   */
  public static always(token: string): SessionRenewal {
    return new SessionRenewal('ALWAYS', token);
  }

  /**
   * The mode as the handler reads it (`IF_ENDED` or `ALWAYS`); undefined for `never()`.
   */
  public readonly mode?: string;

  /**
   * The renewal token; undefined for `never()`.
   */
  public readonly token?: string;

  private constructor(mode?: RenewalMode, token?: string) {
    this.mode = mode;
    this.token = token;
  }
}
