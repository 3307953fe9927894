import { CloseReasons, type CloseReasonCode } from './contract.js';

const codes = Object.values(CloseReasons).map((text) => text.slice(0, text.indexOf(':'))) as CloseReasonCode[];

/** The close reason a SignalR error names (close message or refused connect), if any. */
export function closeReasonOf(error: unknown): CloseReasonCode | null {
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  for (const code of codes) {
    if (message.includes(`${code}:`)) {
      return code;
    }
  }
  return null;
}

/** A hub call the gateway refused (`HubException`): `reason` is the gateway's words. */
export class RoomcastHubError extends Error {
  override readonly name = 'RoomcastHubError';

  constructor(
    readonly method: string,
    readonly reason: string,
  ) {
    super(`${method} was refused: ${reason}`);
  }

  /** SignalR writes a refusal as "An unexpected error occurred invoking 'X' on the server. HubException: reason". */
  static from(method: string, error: unknown): RoomcastHubError {
    const message = error instanceof Error ? error.message : String(error);
    const marker = 'HubException: ';
    const at = message.indexOf(marker);
    return new RoomcastHubError(method, at >= 0 ? message.slice(at + marker.length) : message);
  }
}

/** The hub call could not be made: the client is not connected right now. */
export class RoomcastNotConnectedError extends Error {
  override readonly name = 'RoomcastNotConnectedError';

  constructor(method: string, state: string) {
    super(`${method} needs a live connection; the client is ${state}.`);
  }
}

/** Every session of the user ended, or the refresh token is no longer honoured: sign in again. */
export class SessionEndedError extends Error {
  override readonly name = 'SessionEndedError';
}

/** identity answered a problem (RFC 7807) other than a refused session. */
export class IdentityError extends Error {
  override readonly name = 'IdentityError';

  constructor(
    readonly status: number,
    readonly problemType: string | null,
    message: string,
  ) {
    super(message);
  }
}
