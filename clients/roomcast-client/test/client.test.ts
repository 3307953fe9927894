import { describe, expect, it, vi } from 'vitest';
import { CloseReasons, type ChangedDocumentMessage, type ReplayedEvent, type ResumeResult } from '../src/contract.js';
import { RoomcastClient, type ConnectionState } from '../src/client.js';
import { RoomcastHubError } from '../src/errors.js';
import { Rooms } from '../src/rooms.js';
import type { Fetch, Session, SessionStore } from '../src/session.js';
import { changedDocument, FakeHub, tokenExpiringAt, until } from './fake-hub.js';

const identityUrl = 'http://identity.test';
const farFuture = Math.floor(Date.now() / 1000) + 3600;
const root = '55555555-5555-4555-8555-555555555555';

function closeError(reason: string): Error {
  return new Error(`Server returned an error on close: Connection closed with an error. ${reason}`);
}

function setup(options: { fetch?: Fetch; accessToken?: string } = {}) {
  const hub = new FakeHub();
  const client = new RoomcastClient({
    hubUrl: 'http://gateway.test/hubs/notifications',
    identityUrl,
    session: { accessToken: options.accessToken ?? tokenExpiringAt(farFuture, 'first'), refreshToken: 'refresh-1' },
    transport: hub.transport,
    reconnectDelay: () => 0,
    fetch: options.fetch ?? (() => Promise.reject(new Error('no identity in this test'))),
  });
  const documents: ChangedDocumentMessage[] = [];
  const states: ConnectionState[] = [];
  const errors: unknown[] = [];
  client.on('CHANGED_DOCUMENT', (change) => documents.push(change));
  client.onStateChange(({ state }) => states.push(state));
  client.onError((error) => errors.push(error));
  return { hub, client, documents, states, errors, texts: () => documents.map((change) => (change.data as { text: string }).text) };
}

describe('RoomcastClient', () => {
  it('starts live at the head of the history, without a reload', async () => {
    const { hub, client, states } = setup();
    const reload = vi.fn();
    client.onReload(reload);

    await client.start();

    expect(client.state).toBe('live');
    expect(states).toEqual(['connecting', 'live']);
    expect(hub.resumesOf(hub.last)).toEqual([{ seq: 0, epoch: 'none' }]);
    expect(client.position).toEqual(hub.head);
    expect(reload).not.toHaveBeenCalled();
    expect(client.connectionId).toBe('connection-0');
  });

  it('reconnects after the gateway closes the connection and resumes what it missed, each once and in order', async () => {
    const { hub, client, texts, states } = setup();
    await client.start();
    const first = hub.last;
    first.emit(changedDocument(1001, { text: 'a' }));
    const missed = [changedDocument(1002, { text: 'b' }), changedDocument(1003, { text: 'c' }), changedDocument(1004, { text: 'd' })];
    hub.resumeAnswers.push(() => {
      // Live events reach the new connection while its Resume is answered, some of them also in the answer.
      hub.last.emit(missed[2]!);
      hub.last.emit(changedDocument(1005, { text: 'e' }));
      return { reload: false, reason: null, headSeq: 1004, epoch: 'e1', events: missed, more: false };
    });

    first.drop(closeError(CloseReasons.MissedEvents));
    await until(() => client.state === 'resumed', 'resumed');

    expect(hub.resumesOf(hub.last)).toEqual([{ seq: 1001, epoch: 'e1' }]);
    expect(texts()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(states).toEqual(['connecting', 'live', 'reconnecting', 'resumed']);
    expect(client.position).toEqual({ seq: 1005, epoch: 'e1' });
  });

  it('reconnects at once and resumes when its gateway instance shuts down', async () => {
    const { hub, client, texts } = setup();
    await client.start();
    hub.last.emit(changedDocument(1001, { text: 'a' }));
    hub.resumeAnswers.push(() => ({ reload: false, reason: null, headSeq: 1002, epoch: 'e1', events: [changedDocument(1002, { text: 'b' })], more: false }));

    hub.last.drop(closeError(CloseReasons.ServerShuttingDown));
    await until(() => client.state === 'resumed', 'resumed');

    expect(hub.resumesOf(hub.last)).toEqual([{ seq: 1001, epoch: 'e1' }]);
    expect(texts()).toEqual(['a', 'b']);
  });

  it('follows a paged resume answer until it has everything', async () => {
    const { hub, client, texts } = setup();
    await client.start();
    hub.last.emit(changedDocument(1001, { text: 'a' }));
    hub.resumeAnswers.push(
      () => ({ reload: false, reason: null, headSeq: 1010, epoch: 'e1', events: [changedDocument(1002, { text: 'b' })], more: true }),
      () => ({ reload: false, reason: null, headSeq: 1020, epoch: 'e1', events: [changedDocument(1015, { text: 'c' })], more: false }),
    );

    hub.last.drop(closeError(CloseReasons.SlowConnection));
    await until(() => client.state === 'resumed', 'resumed');

    expect(hub.resumesOf(hub.last)).toEqual([{ seq: 1001, epoch: 'e1' }, { seq: 1010, epoch: 'e1' }]);
    expect(texts()).toEqual(['a', 'b', 'c']);
  });

  it('calls the reload handler once when the gateway cannot fill the gap, and delivers what comes after', async () => {
    const { hub, client, texts, states } = setup();
    await client.start();
    hub.last.emit(changedDocument(1001, { text: 'a' }));
    let finishReload!: () => void;
    const reloads: string[] = [];
    client.onReload(({ reason }) => {
      reloads.push(reason);
      return new Promise<void>((resolve) => (finishReload = resolve));
    });
    hub.resumeAnswers.push(() => {
      hub.last.emit(changedDocument(1600, { text: 'after the head' }));
      return { reload: true, reason: 'events after lastSeq were trimmed', headSeq: 1500, epoch: 'e1', events: [], more: false };
    });

    hub.last.drop(closeError(CloseReasons.MissedEvents));
    await until(() => client.state === 'reload-needed', 'reload-needed');
    expect(texts()).toEqual(['a']);
    finishReload();
    await until(() => client.state === 'live', 'live again');

    expect(reloads).toEqual(['events after lastSeq were trimmed']);
    expect(texts()).toEqual(['a', 'after the head']);
    expect(states).toEqual(['connecting', 'live', 'reconnecting', 'reload-needed', 'live']);
  });

  it('resumes when a live event comes from a new epoch, and reloads as the gateway says', async () => {
    const { hub, client, texts } = setup();
    await client.start();
    hub.last.emit(changedDocument(1001, { text: 'a' }));
    const reload = vi.fn();
    client.onReload(reload);
    hub.head = { seq: 5000, epoch: 'e2' };

    hub.last.emit(changedDocument(5001, { epoch: 'e2', text: 'new numbering' }));
    await until(() => client.state === 'live' && reload.mock.calls.length === 1, 'reloaded');

    expect(hub.resumesOf(hub.last).at(-1)).toEqual({ seq: 1001, epoch: 'e1' });
    expect(texts()).toEqual(['a', 'new numbering']);
  });

  it('reloads rather than go on when Resume keeps failing', async () => {
    const { hub, client, errors } = setup();
    await client.start();
    hub.last.emit(changedDocument(1001));
    const reload = vi.fn();
    client.onReload(reload);
    const unreachable = () => {
      throw new Error("An unexpected error occurred invoking 'Resume' on the server. HubException: The recent-event history cannot be reached right now");
    };
    hub.resumeAnswers.push(unreachable, unreachable, unreachable);

    hub.last.drop(closeError(CloseReasons.MissedEvents));
    await until(() => reload.mock.calls.length === 1, 'reload');

    expect(reload.mock.calls[0]![0].reason).toContain('recent-event history cannot be reached');
    expect(errors.filter((error) => error instanceof RoomcastHubError)).toHaveLength(3);
  });

  it('refreshes the token through identity after a token-expired close and reconnects with the new one', async () => {
    const fresh = tokenExpiringAt(farFuture, 'second');
    const fetch = vi.fn<Fetch>(async () => Response.json({ accessToken: fresh, refreshToken: 'refresh-2', expiresIn: 3600, tokenType: 'Bearer' }));
    const { hub, client } = setup({ fetch });
    await client.start();
    const firstToken = hub.last.token;

    hub.last.drop(closeError(CloseReasons.TokenExpired));
    await until(() => client.state === 'resumed', 'resumed');

    expect(fetch).toHaveBeenCalledTimes(1);
    const [url, init] = fetch.mock.calls[0]!;
    expect(String(url)).toBe(`${identityUrl}/api/v1/auth/refresh`);
    expect(JSON.parse(String(init!.body))).toEqual({ refreshToken: 'refresh-1' });
    expect(firstToken).not.toBe(fresh);
    expect(hub.last.token).toBe(fresh);
    expect(client.session?.refreshToken).toBe('refresh-2');
  });

  it('refreshes a token about to expire before connecting', async () => {
    const fresh = tokenExpiringAt(farFuture, 'second');
    const fetch = vi.fn<Fetch>(async () => Response.json({ accessToken: fresh, refreshToken: 'refresh-2', expiresIn: 3600, tokenType: 'Bearer' }));
    const { hub, client } = setup({ fetch, accessToken: tokenExpiringAt(Math.floor(Date.now() / 1000) + 5) });

    await client.start();

    expect(hub.last.token).toBe(fresh);
  });

  it('refreshes once for concurrent callers: a refresh token is single use', async () => {
    let release!: () => void;
    const fetch = vi.fn<Fetch>(async () => {
      await new Promise<void>((resolve) => (release = resolve));
      return Response.json({ accessToken: tokenExpiringAt(farFuture), refreshToken: 'refresh-2', expiresIn: 3600, tokenType: 'Bearer' });
    });
    const { client } = setup({ fetch, accessToken: tokenExpiringAt(Math.floor(Date.now() / 1000) + 5) });

    const both = Promise.all([client.accessToken(), client.accessToken()]);
    await until(() => fetch.mock.calls.length === 1, 'refresh asked');
    release();
    const [one, other] = await both;

    expect(one).toBe(other);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('ends the session on session-ended without reconnecting', async () => {
    const { hub, client, states } = setup();
    await client.start();

    hub.last.drop(closeError(CloseReasons.SessionEnded));
    await until(() => client.state === 'session-ended', 'session ended');

    expect(hub.connections).toHaveLength(1);
    expect(client.session).toBeNull();
    expect(states.at(-1)).toBe('session-ended');
  });

  it('ends the session when identity refuses the refresh token', async () => {
    const fetch = vi.fn<Fetch>(async () => Response.json({ type: 'invalid-credentials', detail: 'used up' }, { status: 401 }));
    const { hub, client } = setup({ fetch });
    await client.start();

    hub.last.drop(closeError(CloseReasons.TokenExpired));
    await until(() => client.state === 'session-ended', 'session ended');
  });

  it('connects again with backoff while the gateway is unavailable', async () => {
    const hub = new FakeHub();
    hub.refusals.push(new Error(`Connection closed with an error. HubException: ${CloseReasons.GatewayUnavailable}`));
    const delays: [number, string | null][] = [];
    const client = new RoomcastClient({
      hubUrl: 'http://gateway.test/hubs/notifications',
      identityUrl,
      session: { accessToken: tokenExpiringAt(farFuture), refreshToken: 'r' },
      transport: hub.transport,
      reconnectDelay: (attempt, reason) => {
        delays.push([attempt, reason]);
        return 0;
      },
    });

    await client.start();

    expect(client.state).toBe('live');
    expect(delays).toEqual([[0, null], [1, 'gateway-unavailable']]);
  });

  it('reconnects at once when the page comes back online instead of waiting out its backoff', async () => {
    const hub = new FakeHub();
    const page = new EventTarget();
    let backoff = 0;
    const client = new RoomcastClient({
      hubUrl: 'http://gateway.test/hubs/notifications',
      identityUrl,
      session: { accessToken: tokenExpiringAt(farFuture), refreshToken: 'r' },
      transport: hub.transport,
      reconnectDelay: () => backoff,
      network: page,
    });
    await client.start();
    backoff = 60_000;

    hub.last.drop(new Error('WebSocket closed with status code: 1006'));
    await until(() => client.state === 'reconnecting', 'reconnecting');
    expect(hub.connections).toHaveLength(1);
    page.dispatchEvent(new Event('online'));
    await until(() => client.state === 'resumed', 'resumed');

    expect(hub.connections).toHaveLength(2);
    page.dispatchEvent(new Event('online'));
    expect(hub.connections).toHaveLength(2);
    await client.stop();
  });

  it('rejects a refused join with the gateway reason', async () => {
    const { hub, client } = setup();
    await client.start();
    hub.answer = (method, args) => {
      if (method === 'JOIN_ROOM') {
        throw new Error(`An unexpected error occurred invoking 'JOIN_ROOM' on the server. HubException: You cannot join ${String(args[0])}: there is no root you can read with that id.`);
      }
      return hub.defaultAnswer(method, args);
    };

    const refusal = await client.joinRoom(Rooms.root(root)).catch((error: unknown) => error);

    expect(refusal).toBeInstanceOf(RoomcastHubError);
    expect((refusal as RoomcastHubError).reason).toBe(`You cannot join root:${root}: there is no root you can read with that id.`);
    expect(client.joinedRooms.size).toBe(0);
  });

  it('joins its rooms again after a reconnect, before it resumes', async () => {
    const { hub, client } = setup();
    await client.start();
    await client.joinRoom(Rooms.root(root));

    hub.last.drop(closeError(CloseReasons.AccessChanged));
    await until(() => client.state === 'resumed', 'resumed');

    expect(hub.last.invocations.map((call) => call.method)).toEqual(['JOIN_ROOM', 'Resume']);
    expect(hub.last.invocations[0]!.args).toEqual([`root:${root}`]);
  });

  it('refuses a room name outside the grammar without asking the gateway', async () => {
    const { hub, client } = setup();
    await client.start();

    await expect(client.joinRoom('root:NOT-A-UUID' as never)).rejects.toThrow(TypeError);
    expect(hub.last.invocations.filter((call) => call.method === 'JOIN_ROOM')).toHaveLength(0);
  });

  it('keeps room counts from full and update messages', async () => {
    const { hub, client } = setup();
    const seen: ReadonlyMap<string, number>[] = [];
    client.onConnectedClientsChange((counts) => seen.push(counts));
    await client.start();

    hub.last.emit({ name: 'CONNECTED_CLIENTS', payload: { type: 'full', rooms: { all: 3, admin: 1, [`root:${root}`]: 1 } } });
    hub.last.emit({ name: 'CONNECTED_CLIENTS', payload: { type: 'update', rooms: { all: 4, [`root:${root}`]: 0 } } });

    expect(Object.fromEntries(client.connectedClients())).toEqual({ all: 4, admin: 1 });
    expect(seen).toHaveLength(2);
  });

  it('keeps who came online', async () => {
    const { hub, client } = setup();
    await client.start();
    const user = '66666666-6666-4666-8666-666666666666';

    hub.last.emit({ name: 'PRESENCE', payload: { userId: user, status: 'online' } });
    expect([...client.onlineUsers()]).toEqual([user]);
    hub.last.emit({ name: 'PRESENCE', payload: { userId: user, status: 'offline' } });
    expect(client.onlineUsers().size).toBe(0);
  });

  it('drops a message not of the contract and says why', async () => {
    const { hub, client, documents, errors } = setup();
    await client.start();

    hub.last.emit({ name: 'CHANGED_DOCUMENT', payload: { id: 'x', seq: 'one' } });

    expect(documents).toHaveLength(0);
    expect(String(errors[0])).toContain('CHANGED_DOCUMENT dropped');
  });

  it('goes on delivering when a handler throws', async () => {
    const { hub, client, documents, errors } = setup();
    client.on('CHANGED_DOCUMENT', () => {
      throw new Error('handler failed');
    });
    await client.start();

    hub.last.emit(changedDocument(1001));
    hub.last.emit(changedDocument(1002));

    expect(documents).toHaveLength(2);
    expect(errors).toHaveLength(2);
  });

  it('stops for good', async () => {
    const { hub, client } = setup();
    await client.start();

    await client.stop();
    hub.last.drop(closeError(CloseReasons.MissedEvents));

    expect(client.state).toBe('stopped');
    expect(hub.connections).toHaveLength(1);
  });

  it('resumes from the position it was given at the first connect', async () => {
    const hub = new FakeHub();
    const missed: ResumeResult = { reload: false, reason: null, headSeq: 1000, epoch: 'e1', events: [changedDocument(990, { text: 'missed' })], more: false };
    hub.resumeAnswers.push(() => missed);
    const client = new RoomcastClient({
      hubUrl: 'http://gateway.test/hubs/notifications',
      identityUrl,
      session: { accessToken: tokenExpiringAt(farFuture), refreshToken: 'r' },
      position: { seq: 980, epoch: 'e1' },
      transport: hub.transport,
    });
    const texts: string[] = [];
    client.on('CHANGED_DOCUMENT', (change) => texts.push((change.data as { text: string }).text));

    await client.start();

    expect(hub.resumesOf(hub.last)).toEqual([{ seq: 980, epoch: 'e1' }]);
    expect(texts).toEqual(['missed']);
  });

  it('drops a room the gateway refuses on re-join and says why', async () => {
    const { hub, client, errors } = setup();
    await client.start();
    await client.joinRoom(Rooms.root(root));
    hub.answer = (method, args) => {
      if (method === 'JOIN_ROOM') {
        throw new Error(`An unexpected error occurred invoking 'JOIN_ROOM' on the server. HubException: You cannot join ${String(args[0])}: there is no root you can read with that id.`);
      }
      return hub.defaultAnswer(method, args);
    };

    hub.last.drop(closeError(CloseReasons.MissedEvents));
    await until(() => client.state === 'resumed', 'resumed');

    expect(client.joinedRooms.size).toBe(0);
    expect(errors.some((error) => error instanceof RoomcastHubError && error.reason.startsWith(`You cannot join root:${root}`))).toBe(true);
  });

  it('reloads after a reconnect when it never had a position', async () => {
    const { hub, client } = setup();
    hub.resumeAnswers.push(() => {
      throw new Error("An unexpected error occurred invoking 'Resume' on the server. HubException: This connection is in no room yet");
    });
    hub.resumeAnswers.push(...Array(2).fill(() => {
      throw new Error('HubException: still not');
    }));
    const reload = vi.fn();
    client.onReload(reload);
    await client.start();
    expect(client.position).toBeNull();

    hub.last.drop(closeError(CloseReasons.MissedEvents));
    await until(() => reload.mock.calls.length === 2, 'a reload at the start and one after the reconnect');

    expect(reload.mock.calls[1]![0].reason).toBe('the client had no position to resume from');
    expect(client.position).toEqual(hub.head);
  });

  it('reports the events it dropped and why', async () => {
    const { hub, client } = setup();
    const reasons: string[] = [];
    client.onDropped((_, reason) => reasons.push(reason));
    await client.start();
    const event = changedDocument(1001);

    hub.last.emit(event);
    hub.last.emit(event);
    hub.last.emit(changedDocument(1002, { version: 1 }));

    expect(reasons).toEqual(['duplicate', 'stale-version']);
  });

  it('hands replays to onReplay only, flagged, and lets the real events after them through', async () => {
    const { hub, client, texts } = setup();
    const replays: ReplayedEvent[] = [];
    const dropped: string[] = [];
    client.onReplay((event) => replays.push(event));
    client.onDropped((_, reason) => dropped.push(reason));
    await client.start();
    hub.last.emit(changedDocument(1001, { text: 'a' }));
    const position = client.position;
    // Replays of a later event and of an earlier one: neither moves the position nor marks an id or version seen.
    const later = changedDocument(1002, { text: 'b' });
    const earlier = changedDocument(1000, { text: 'old', version: 1000 });

    hub.last.emit({ name: later.name, payload: { ...later.payload, replay: true } });
    hub.last.emit({ name: earlier.name, payload: { ...earlier.payload, replay: true } });

    expect(replays.map((event) => [event.payload.seq, event.payload.replay])).toEqual([[1002, true], [1000, true]]);
    expect(texts()).toEqual(['a']);
    expect(client.position).toEqual(position);
    hub.last.emit(later);
    expect(texts()).toEqual(['a', 'b']);
    expect(client.position).toEqual({ seq: 1002, epoch: 'e1' });
    expect(dropped).toEqual([]);
  });

  it('adopts a refresh another tab made instead of spending the old refresh token again', async () => {
    const fetch = vi.fn<Fetch>();
    let stored: Session | null = null;
    const storage: SessionStore = { load: () => stored, save: (session) => (stored = session) };
    const hub = new FakeHub();
    const client = new RoomcastClient({
      hubUrl: 'http://gateway.test/hubs/notifications',
      identityUrl,
      session: { accessToken: tokenExpiringAt(Math.floor(Date.now() / 1000) + 5), refreshToken: 'refresh-1' },
      storage,
      transport: hub.transport,
      fetch,
    });
    const otherTab = { accessToken: tokenExpiringAt(farFuture, 'other tab'), refreshToken: 'refresh-2' };
    stored = otherTab;

    expect(await client.accessToken()).toBe(otherTab.accessToken);
    expect(fetch).not.toHaveBeenCalled();
    expect(client.session?.refreshToken).toBe('refresh-2');
  });
});
