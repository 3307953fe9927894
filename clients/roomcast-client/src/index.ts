/**
 * @roomcast/client — the reference client of Roomcast's gateway (browsers and Node 20, ES modules).
 *
 *   import { RoomcastClient, Rooms } from '@roomcast/client';
 *
 *   const session = await RoomcastClient.login(identityUrl, 'bob', 'password');
 *   const client = new RoomcastClient({ hubUrl: `${gatewayUrl}/hubs/notifications`, identityUrl, session });
 *   client.on('CHANGED_DOCUMENT', (change) => render(change.id, change.data, change.version));
 *   client.on('NEW_RECORD', (message) => ...);          // message.type narrows message.record
 *   client.onStateChange(({ state, reason }) => badge(state));
 *   client.onReload(async ({ reason }) => { await loadEverythingOverHttp(); });
 *   await client.start();                                // then load the state over HTTP
 *   await client.joinRoom(Rooms.root(rootId));           // rejects with RoomcastHubError(reason)
 *   fetch(url, { headers: { authorization: `Bearer ${await client.accessToken()}`,
 *                           [ClientMethods.OriginConnectionHeader]: client.connectionId ?? '' } });
 *
 * Record events (NEW_RECORD, CHANGED_RECORD, DELETED_RECORD, CHANGED_DOCUMENT) reach the handlers
 * once each, in seq order; stale versions are dropped; after every reconnect the client re-joins
 * its rooms and calls Resume from its position, or calls the onReload handlers — never a silent gap.
 * State: idle → connecting → live ⇄ reconnecting → resumed | reload-needed; session-ended; stopped.
 * Admin replays (roomcast-log replay --to-connection|--to-user) reach onReplay only, each with
 * payload.replay === true, and never move the position or the dedupe state.
 * Admin room counts: connectedClients() / onConnectedClientsChange; presence: onlineUsers() / onPresenceChange.
 * Tokens refresh through identity before expiry and after the gateway's token-expired close.
 */
export * from './contract.js';
export { RoomcastClient, defaultReconnectDelay } from './client.js';
export type { ConnectionState, StateChange, ReloadRequest, RoomcastClientOptions } from './client.js';
export { EventStream } from './event-stream.js';
export type { DropReason, Offer, EventStreamOptions } from './event-stream.js';
export { RoomcastHubError, RoomcastNotConnectedError, SessionEndedError, IdentityError, closeReasonOf } from './errors.js';
export { Rooms, isRoomName } from './rooms.js';
export { login, webStorageSession, expiryOf, TokenKeeper } from './session.js';
export type { Session, SessionStore, Fetch } from './session.js';
export { signalRTransport } from './transport.js';
export type { HubTransport, TransportFactory, TransportOptions } from './transport.js';
export * from './validate.js';
