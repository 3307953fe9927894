import { HubConnectionBuilder, HttpTransportType, LogLevel, type HubConnection } from '@microsoft/signalr';

/**
 * The one SignalR connection the client drives: a fresh one per connect, never SignalR's own
 * automatic reconnect (the client reconnects itself, so it can refresh the token and Resume first).
 * A small seam so unit tests can drive the client with a fake.
 */
export interface HubTransport {
  readonly connectionId: string | null;
  start(): Promise<void>;
  stop(): Promise<void>;
  invoke<T>(method: string, ...args: unknown[]): Promise<T>;
  on(event: string, handler: (payload: unknown) => void): void;
  /** Called once when the connection ends; `error` carries the gateway's close reason, if it gave one. */
  onClose(callback: (error?: Error) => void): void;
}

export interface TransportOptions {
  hubUrl: string;
  /** Asked at every connect; the token goes on the WebSocket as `access_token` (SignalR's way). */
  accessTokenFactory: () => Promise<string>;
  /**
   * Open the WebSocket without SignalR's negotiate request (no CORS preflight across origins), at
   * the price of `connectionId` staying null, so changes cannot name their origin connection.
   */
  skipNegotiation?: boolean;
}

export type TransportFactory = (options: TransportOptions) => HubTransport;

/** The real transport: `@microsoft/signalr` over WebSockets (browsers and Node 20). */
export const signalRTransport: TransportFactory = ({ hubUrl, accessTokenFactory, skipNegotiation = false }) => {
  const connection: HubConnection = new HubConnectionBuilder()
    .withUrl(hubUrl, { accessTokenFactory, transport: HttpTransportType.WebSockets, skipNegotiation })
    .configureLogging(LogLevel.None)
    .build();
  return {
    get connectionId() {
      return connection.connectionId;
    },
    start: () => connection.start(),
    stop: () => connection.stop(),
    invoke: <T>(method: string, ...args: unknown[]) => connection.invoke<T>(method, ...args),
    on: (event, handler) => connection.on(event, handler),
    onClose: (callback) => connection.onclose(callback),
  };
};
