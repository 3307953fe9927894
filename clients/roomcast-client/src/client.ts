import {
  ClientEvents,
  ClientMethods,
  recordEventNames,
  type CloseReasonCode,
  type ConnectedClientsMessage,
  type Position,
  type PresenceMessage,
  type RecordEvent,
  type ReplayedEvent,
  type ResumeResult,
  type RoomAck,
  type RoomName,
  type ServerEvents,
  type Uuid,
} from './contract.js';
import { closeReasonOf, RoomcastHubError, RoomcastNotConnectedError, SessionEndedError } from './errors.js';
import { EventStream, type DropReason } from './event-stream.js';
import { isRoomName } from './rooms.js';
import { login, TokenKeeper, type Fetch, type Session, type SessionStore } from './session.js';
import { signalRTransport, type HubTransport, type TransportFactory } from './transport.js';
import { serverEventValidators, validateResumeResult, validateRoomAck } from './validate.js';

/**
 * What the connection is doing, for an application to render:
 * - `idle`: not started;
 * - `connecting`: the first connect (and the first catch-up) is under way;
 * - `live`: connected, events flow;
 * - `reconnecting`: the connection went; live events are missed meanwhile and will be resumed;
 * - `resumed`: connected again, and every missed event was delivered (events flow, as in `live`);
 * - `reload-needed`: the gateway could not fill the gap: the `onReload` callbacks are reloading;
 * - `session-ended`: identity or the gateway ended the session: sign in again;
 * - `stopped`: `stop()` was called.
 */
export type ConnectionState = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'resumed' | 'reload-needed' | 'session-ended' | 'stopped';

export interface StateChange {
  state: ConnectionState;
  /** Why: the gateway's close reason code, the reload reason, or the error that caused it. */
  reason: string | null;
}

export interface ReloadRequest {
  /** The gateway's reason (e.g. "events after lastSeq were trimmed …"), or the client's. */
  reason: string;
}

export interface RoomcastClientOptions {
  /** The gateway's hub, e.g. `http://localhost:5003/hubs/notifications` (`ClientMethods.HubPath`). */
  hubUrl: string;
  /** identity's base URL, e.g. `http://localhost:5001`: tokens are refreshed at `/api/v1/auth/refresh`. */
  identityUrl: string;
  /** The signed-in session (from `login`); without it, the one in `storage`. */
  session?: Session;
  /** Where the session is kept and shared between tabs (see `webStorageSession`). */
  storage?: SessionStore;
  /** Resume from here at the first connect (a position the application kept with its state). */
  position?: Position | null;
  /** Refresh the access token when it expires within this many ms (default 30 000). */
  refreshAhead?: number;
  /** ms to wait before reconnect attempt `attempt` (0 first) after the connection went for `reason`. */
  reconnectDelay?: (attempt: number, reason: CloseReasonCode | null) => number;
  /**
   * Where the page hears it is back online (default: `window` in a browser, none in Node): its
   * `online` event ends a reconnect's backoff at once, so a page that comes back does not wait it out.
   */
  network?: EventTarget | null;
  /** Connect without SignalR's negotiate request (no CORS preflight); `connectionId` is then null. */
  skipNegotiation?: boolean;
  /** For tests: the SignalR connection and fetch to use. */
  transport?: TransportFactory;
  fetch?: Fetch;
}

type Handler<T> = (value: T) => void;
type EventHandlers = { [E in keyof ServerEvents]: Set<Handler<ServerEvents[E]>> };

/** Reasons after which the gateway wants the client back at once (it spreads them itself). */
const reconnectAtOnce = new Set<CloseReasonCode | null>(['slow-connection', 'missed-events', 'access-changed', 'token-expired', 'server-shutting-down']);
const resumeAttempts = 3;
/** An epoch no history has: a `Resume` from it answers reload with the history's head, the first position. */
const noEpoch = 'none';

/** The browser's window, whose `online` event says the network is back; none outside a browser. */
function pageWindow(): EventTarget | null {
  return typeof window === 'undefined' ? null : window;
}

export function defaultReconnectDelay(attempt: number, reason: CloseReasonCode | null): number {
  if (attempt === 0 && reconnectAtOnce.has(reason)) {
    return 0;
  }
  const ceiling = Math.min(15_000, 500 * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/**
 * `@roomcast/client`: one connection to the gateway's hub that an application can trust to hand it
 * every record event once and in order, or to say "reload" — never a silent gap. See README.md.
 */
export class RoomcastClient {
  private readonly tokens: TokenKeeper;
  private readonly stream: EventStream;
  private readonly transportFactory: TransportFactory;
  private readonly reconnectDelay: (attempt: number, reason: CloseReasonCode | null) => number;
  private readonly network: EventTarget | null;
  private readonly handlers: EventHandlers = {
    NEW_RECORD: new Set(),
    CHANGED_RECORD: new Set(),
    DELETED_RECORD: new Set(),
    CHANGED_DOCUMENT: new Set(),
    CONNECTED_CLIENTS: new Set(),
    PRESENCE: new Set(),
  };
  private readonly stateHandlers = new Set<Handler<StateChange>>();
  private readonly reloadHandlers = new Set<(request: ReloadRequest) => void | Promise<void>>();
  private readonly errorHandlers = new Set<Handler<unknown>>();
  private readonly droppedHandlers = new Set<(event: RecordEvent, reason: DropReason) => void>();
  private readonly replayHandlers = new Set<(event: ReplayedEvent) => void>();
  private readonly countHandlers = new Set<Handler<ReadonlyMap<string, number>>>();
  private readonly presenceHandlers = new Set<Handler<ReadonlySet<Uuid>>>();
  private readonly joined = new Set<RoomName>();
  private readonly counts = new Map<string, number>();
  private readonly online = new Set<Uuid>();

  private currentState: StateChange = { state: 'idle', reason: null };
  private transport: HubTransport | null = null;
  private opened: HubTransport | null = null;
  private connectToken: string | null = null;
  private refreshBeforeConnect = false;
  private everConnected = false;
  private catchingUp: { transport: HubTransport; again: boolean; promise: Promise<void> } | null = null;
  private started: { resolve: () => void; reject: (error: unknown) => void; promise: Promise<void> } | null = null;

  constructor(private readonly options: RoomcastClientOptions) {
    const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.tokens = new TokenKeeper(options.identityUrl, options.session ?? null, options.storage, fetchImpl, options.refreshAhead ?? 30_000);
    this.stream = new EventStream(
      (event) => this.emitRecord(event),
      (event, reason) => this.droppedHandlers.forEach((handler) => this.safely(() => handler(event, reason))),
    );
    this.stream.startAt(options.position ?? null);
    this.transportFactory = options.transport ?? signalRTransport;
    this.reconnectDelay = options.reconnectDelay ?? defaultReconnectDelay;
    this.network = options.network === undefined ? pageWindow() : options.network;
  }

  /** Signs in at identity; pass the session to `new RoomcastClient({ session })`. */
  static login(identityUrl: string, username: string, password: string, fetchImpl?: Fetch): Promise<Session> {
    return login(identityUrl, username, password, fetchImpl);
  }

  get state(): ConnectionState {
    return this.currentState.state;
  }

  /** The state with its reason. */
  get status(): StateChange {
    return { ...this.currentState };
  }

  /** The SignalR connection id, for `x-metadata-socketid` (`ClientMethods.OriginConnectionHeader`) on HTTP changes. */
  get connectionId(): string | null {
    return this.transport?.connectionId ?? null;
  }

  /** The last event's position (or the head of the last resume): where the next `Resume` starts. */
  get position(): Position | null {
    return this.stream.current;
  }

  /** The session as it is now (tokens rotate). */
  get session(): Session | null {
    return this.tokens.current;
  }

  /** The rooms joined with `joinRoom` (joined again after every reconnect). */
  get joinedRooms(): ReadonlySet<RoomName> {
    return new Set(this.joined);
  }

  /** A fresh access token for the application's own HTTP calls (refreshed through identity when due). */
  async accessToken(): Promise<string> {
    try {
      return await this.tokens.accessToken();
    } catch (error) {
      if (error instanceof SessionEndedError) {
        await this.endSession(error.message);
      }
      throw error;
    }
  }

  /** Handles a server event; record events arrive deduplicated and in order. Returns the unsubscribe. */
  on<E extends keyof ServerEvents>(event: E, handler: Handler<ServerEvents[E]>): () => void {
    const set = this.handlers[event] as Set<Handler<ServerEvents[E]>>;
    set.add(handler);
    return () => set.delete(handler);
  }

  onStateChange(handler: Handler<StateChange>): () => void {
    return this.subscribe(this.stateHandlers, handler);
  }

  /**
   * The gateway cannot hand over what was missed: load the application's state again (over HTTP).
   * Live events wait until every handler's promise settles, then flow again (state `live`). Without
   * a handler the client stays `reload-needed` until `reloaded()` is called.
   */
  onReload(handler: (request: ReloadRequest) => void | Promise<void>): () => void {
    return this.subscribe(this.reloadHandlers, handler);
  }

  /** Errors the client met and went past: a handler that threw, a malformed message, a failed connect, a refused re-join. */
  onError(handler: Handler<unknown>): () => void {
    return this.subscribe(this.errorHandlers, handler);
  }

  /**
   * An admin's replays to this connection (`roomcast-log replay --to-connection|--to-user`): copies of
   * past events, for debugging, each with `payload.replay === true`, in the order sent. They never
   * reach `on` handlers and never count for dedupe, ordering or the resume position, so real events
   * are neither skipped nor dropped because of them; without a handler they are ignored.
   */
  onReplay(handler: (event: ReplayedEvent) => void): () => void {
    return this.subscribe(this.replayHandlers, handler);
  }

  /** Events not handed to the application, and why (duplicates, already applied, stale versions). */
  onDropped(handler: (event: RecordEvent, reason: DropReason) => void): () => void {
    return this.subscribe(this.droppedHandlers, handler);
  }

  /** Live connections per room over every gateway instance (sent to admins only). */
  connectedClients(): ReadonlyMap<string, number> {
    return new Map(this.counts);
  }

  onConnectedClientsChange(handler: Handler<ReadonlyMap<string, number>>): () => void {
    return this.subscribe(this.countHandlers, handler);
  }

  /**
   * Users that came online among those sharing a room with this user, since this client started.
   * The gateway tells only transitions: someone online before the client connected is not listed
   * until they go offline and come back.
   */
  onlineUsers(): ReadonlySet<Uuid> {
    return new Set(this.online);
  }

  onPresenceChange(handler: Handler<ReadonlySet<Uuid>>): () => void {
    return this.subscribe(this.presenceHandlers, handler);
  }

  /** Connects; resolves once live (first catch-up done), rejects if the session has ended or `stop()` is called first. */
  start(): Promise<void> {
    if (this.started) {
      return this.started.promise;
    }
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => {});
    this.started = { resolve, reject, promise };
    this.setState('connecting', null);
    void this.connect(null);
    return promise;
  }

  async stop(): Promise<void> {
    this.setState('stopped', null);
    this.started?.reject(new Error('The client was stopped.'));
    await this.closeTransport();
  }

  /** Signs out at identity (the refresh tokens of this login are revoked) and stops. */
  async logout(): Promise<void> {
    await this.stop();
    await this.tokens.logout();
  }

  /** Joins a room (`JOIN_ROOM`); rejects with `RoomcastHubError` carrying the gateway's reason. */
  async joinRoom(room: RoomName): Promise<RoomAck> {
    const ack = await this.roomCall(ClientMethods.JoinRoom, room);
    this.joined.add(room);
    return ack;
  }

  /** Leaves a room (`LEAVE_ROOM`); rejects with `RoomcastHubError` carrying the gateway's reason. */
  async leaveRoom(room: RoomName): Promise<RoomAck> {
    this.joined.delete(room);
    return this.roomCall(ClientMethods.LeaveRoom, room);
  }

  /** After a reload without an `onReload` handler: the application has its state again. */
  reloaded(): void {
    if (this.state === 'reload-needed') {
      this.stream.reloaded();
      this.setState('live', null);
    }
  }

  private async roomCall(method: string, room: RoomName): Promise<RoomAck> {
    if (!isRoomName(room)) {
      throw new TypeError(`'${String(room)}' is not a room name: expected user:{uuid}, group:{uuid}, root:{uuid}, all or admin.`);
    }
    const transport = this.transport;
    if (!transport || !this.isConnected()) {
      throw new RoomcastNotConnectedError(method, this.state);
    }
    let ack: unknown;
    try {
      ack = await transport.invoke<unknown>(method, room);
    } catch (error) {
      throw RoomcastHubError.from(method, error);
    }
    this.requireShape(method, ack, validateRoomAck);
    return ack as RoomAck;
  }

  private isConnected(): boolean {
    return this.state === 'live' || this.state === 'resumed' || this.state === 'reload-needed';
  }

  /** Connects (again) until connected, stopped or the session ends. */
  private async connect(reason: CloseReasonCode | null): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const delay = this.reconnectDelay(attempt, reason);
      if (delay > 0) {
        await this.backOff(delay);
      }
      if (this.isOver()) {
        return;
      }
      // Live events wait from the first moment the connection could hand one over.
      this.stream.beginResume();
      const transport = this.transportFactory({
        hubUrl: this.options.hubUrl,
        accessTokenFactory: () => this.tokenForConnect(),
        skipNegotiation: this.options.skipNegotiation ?? false,
      });
      this.wire(transport);
      this.transport = transport;
      try {
        await transport.start();
      } catch (error) {
        this.transport = null;
        reason = closeReasonOf(error) ?? (error instanceof SessionEndedError ? 'session-ended' : null);
        if (reason === 'session-ended') {
          await this.endSession(error instanceof Error ? error.message : String(error));
          return;
        }
        this.refreshBeforeConnect ||= reason === 'token-expired' || /\b401\b|Unauthorized/.test(String(error));
        this.emitError(error);
        continue;
      }
      if (this.isOver()) {
        await transport.stop().catch(() => {});
        return;
      }
      this.opened = transport;
      await this.catchUp(transport);
      return;
    }
  }

  /** Waits `delay` ms, or until the network says it is online again. */
  private backOff(delay: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.network?.removeEventListener('online', done);
        resolve();
      };
      const timer = setTimeout(done, delay);
      this.network?.addEventListener('online', done);
    });
  }

  private async tokenForConnect(): Promise<string> {
    const token =
      this.refreshBeforeConnect && this.connectToken !== null
        ? await this.tokens.refreshAfterExpiry(this.connectToken)
        : await this.tokens.accessToken();
    this.refreshBeforeConnect = false;
    this.connectToken = token;
    return token;
  }

  private wire(transport: HubTransport): void {
    for (const name of recordEventNames) {
      transport.on(name, (payload) => {
        if (transport === this.transport && this.accept(name, payload)) {
          if ((payload as { replay?: unknown }).replay === true) {
            // Outside the numbering: never offered to the stream, so it moves no position and no dedupe state.
            this.emitReplay({ name, payload } as ReplayedEvent);
          } else {
            this.live({ name, payload } as RecordEvent);
          }
        }
      });
    }
    transport.on(ClientEvents.ConnectedClients, (payload) => {
      if (transport === this.transport && this.accept(ClientEvents.ConnectedClients, payload)) {
        this.applyCounts(payload as ConnectedClientsMessage);
      }
    });
    transport.on(ClientEvents.Presence, (payload) => {
      if (transport === this.transport && this.accept(ClientEvents.Presence, payload)) {
        this.applyPresence(payload as PresenceMessage);
      }
    });
    transport.onClose((error) => void this.closed(transport, error));
  }

  private live(event: RecordEvent): void {
    if (this.stream.live(event).kind === 'epoch-changed' && this.transport) {
      void this.resumeOn(this.transport);
    }
  }

  private async closed(transport: HubTransport, error?: Error): Promise<void> {
    // Only the connection in use, once it was open: a connect that fails is retried by its own loop.
    if (transport !== this.transport || transport !== this.opened) {
      return;
    }
    this.transport = null;
    if (this.isOver()) {
      return;
    }
    const reason = closeReasonOf(error);
    if (reason === 'session-ended') {
      await this.endSession(error?.message ?? reason);
      return;
    }
    this.refreshBeforeConnect ||= reason === 'token-expired';
    this.setState(this.everConnected ? 'reconnecting' : 'connecting', reason ?? error?.message ?? null);
    await this.connect(reason);
  }

  /** After a connect: the rooms joined before, then the events missed. */
  private async catchUp(transport: HubTransport): Promise<void> {
    for (const room of [...this.joined]) {
      try {
        await transport.invoke(ClientMethods.JoinRoom, room);
      } catch (error) {
        if (transport !== this.transport) {
          return;
        }
        this.joined.delete(room);
        this.emitError(RoomcastHubError.from(ClientMethods.JoinRoom, error));
      }
    }
    await this.resumeOn(transport);
  }

  /**
   * One catch-up at a time: asked again on the same connection while one runs, it goes round once
   * more from the position reached; asked on a new connection, it runs after the old one ends.
   */
  private resumeOn(transport: HubTransport): Promise<void> {
    const running = this.catchingUp;
    if (running?.transport === transport) {
      running.again = true;
      return running.promise;
    }
    const run = { transport, again: false, promise: Promise.resolve() };
    run.promise = (running?.promise ?? Promise.resolve())
      .then(async () => {
        do {
          run.again = false;
          await this.resume(transport);
        } while (run.again && transport === this.transport && !this.isOver());
      })
      .finally(() => {
        if (this.catchingUp === run) {
          this.catchingUp = null;
        }
      });
    this.catchingUp = run;
    return run.promise;
  }

  private async resume(transport: HubTransport): Promise<void> {
    if (transport !== this.transport || this.isOver()) {
      return;
    }
    this.stream.beginResume();
    const first = !this.everConnected;
    let failure: unknown = null;
    for (let attempt = 1; attempt <= resumeAttempts; attempt++) {
      const from = this.stream.current;
      try {
        if (from === null) {
          // No position yet: the history's head is where this client starts (the application
          // loads its state after `start()`); on a later connect, what passed meanwhile is unknown.
          const head = await this.invokeResume(transport, { seq: 0, epoch: noEpoch });
          this.stream.reload({ seq: head.headSeq, epoch: head.epoch });
          if (!first) {
            await this.reload('the client had no position to resume from');
            return;
          }
          this.stream.reloaded();
          this.connectedAs(first);
          return;
        }
        const result = await this.invokeResume(transport, from);
        if (result.reload) {
          this.stream.reload({ seq: result.headSeq, epoch: result.epoch });
          await this.reload(result.reason ?? 'the gateway cannot resume from this position');
          return;
        }
        this.stream.resumed(result);
        if (result.more) {
          attempt = 0;
          continue;
        }
        this.connectedAs(first);
        return;
      } catch (error) {
        if (transport !== this.transport || this.isOver()) {
          return; // The connection went: the next one resumes from the same position.
        }
        failure = error;
        this.emitError(error);
        await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
      }
    }
    // The history cannot be asked: never go on as if nothing was missed.
    this.stream.reload(null);
    await this.reload(`Resume failed: ${failure instanceof Error ? failure.message : String(failure)}`);
  }

  private async invokeResume(transport: HubTransport, from: Position): Promise<ResumeResult> {
    let result: unknown;
    try {
      result = await transport.invoke<unknown>(ClientMethods.Resume, from.seq, from.epoch);
    } catch (error) {
      throw RoomcastHubError.from(ClientMethods.Resume, error);
    }
    this.requireShape(ClientMethods.Resume, result, validateResumeResult);
    return result as ResumeResult;
  }

  private connectedAs(first: boolean): void {
    this.everConnected = true;
    this.setState(first ? 'live' : 'resumed', null);
    this.started?.resolve();
  }

  private async reload(reason: string): Promise<void> {
    this.everConnected = true;
    this.setState('reload-needed', reason);
    this.started?.resolve();
    if (this.reloadHandlers.size === 0) {
      return;
    }
    const results = await Promise.allSettled([...this.reloadHandlers].map(async (handler) => handler({ reason })));
    results.filter((result) => result.status === 'rejected').forEach((result) => this.emitError((result as PromiseRejectedResult).reason));
    if (this.state === 'reload-needed') {
      this.stream.reloaded();
      this.setState('live', null);
    }
  }

  private async endSession(reason: string): Promise<void> {
    this.tokens.clear();
    this.setState('session-ended', reason);
    this.started?.reject(new SessionEndedError(reason));
    await this.closeTransport();
  }

  private async closeTransport(): Promise<void> {
    const transport = this.transport;
    this.transport = null;
    this.counts.clear();
    this.online.clear();
    await transport?.stop().catch(() => {});
  }

  private isOver(): boolean {
    return this.state === 'stopped' || this.state === 'session-ended';
  }

  private accept(name: keyof ServerEvents, payload: unknown): boolean {
    const problems = serverEventValidators[name](payload);
    if (problems.length > 0) {
      this.emitError(new TypeError(`${name} dropped: not of the contract (${problems.join('; ')})`));
      return false;
    }
    return true;
  }

  private requireShape(method: string, value: unknown, validate: (value: unknown) => string[]): void {
    const problems = validate(value);
    if (problems.length > 0) {
      throw new TypeError(`${method}: the gateway's answer is not of the contract (${problems.join('; ')})`);
    }
  }

  private emitReplay(event: ReplayedEvent): void {
    this.replayHandlers.forEach((handler) => this.safely(() => handler(event)));
  }

  private emitRecord(event: RecordEvent): void {
    const handlers = this.handlers[event.name] as Set<Handler<unknown>>;
    handlers.forEach((handler) => this.safely(() => handler(event.payload)));
  }

  private applyCounts(message: ConnectedClientsMessage): void {
    if (message.type === 'full') {
      this.counts.clear();
    }
    for (const [room, count] of Object.entries(message.rooms)) {
      if (count === 0) {
        this.counts.delete(room);
      } else {
        this.counts.set(room, count);
      }
    }
    this.handlers.CONNECTED_CLIENTS.forEach((handler) => this.safely(() => handler(message)));
    const snapshot = this.connectedClients();
    this.countHandlers.forEach((handler) => this.safely(() => handler(snapshot)));
  }

  private applyPresence(message: PresenceMessage): void {
    if (message.status === 'online') {
      this.online.add(message.userId);
    } else {
      this.online.delete(message.userId);
    }
    this.handlers.PRESENCE.forEach((handler) => this.safely(() => handler(message)));
    const snapshot = this.onlineUsers();
    this.presenceHandlers.forEach((handler) => this.safely(() => handler(snapshot)));
  }

  private setState(state: ConnectionState, reason: string | null): void {
    if (this.currentState.state === state && this.currentState.reason === reason) {
      return;
    }
    this.currentState = { state, reason };
    const change = this.status;
    this.stateHandlers.forEach((handler) => this.safely(() => handler(change)));
  }

  private emitError(error: unknown): void {
    this.errorHandlers.forEach((handler) => {
      try {
        handler(error);
      } catch {
        // An error handler that throws has nobody left to tell.
      }
    });
  }

  private safely(action: () => void): void {
    try {
      action();
    } catch (error) {
      this.emitError(error);
    }
  }

  private subscribe<T>(set: Set<T>, handler: T): () => void {
    set.add(handler);
    return () => set.delete(handler);
  }
}
