/**
 * The gateway's wire contract as TypeScript: names and shapes of shared/contracts/Client (C#),
 * serialized by SignalR's JSON protocol (camelCase, GUIDs as lower-case strings, dates as ISO 8601).
 * contract/*.json holds a sample of every message written by the C# types themselves; the tests
 * validate each against these types, so the two cannot drift.
 */

/** Server → client event names (`ClientEvents`). */
export const ClientEvents = {
  NewRecord: 'NEW_RECORD',
  ChangedRecord: 'CHANGED_RECORD',
  DeletedRecord: 'DELETED_RECORD',
  ChangedDocument: 'CHANGED_DOCUMENT',
  ConnectedClients: 'CONNECTED_CLIENTS',
  Presence: 'PRESENCE',
} as const;

/** Client → server hub methods, the hub's path and the origin-connection header (`ClientMethods`). */
export const ClientMethods = {
  HubPath: '/hubs/notifications',
  OriginConnectionHeader: 'x-metadata-socketid',
  JoinRoom: 'JOIN_ROOM',
  LeaveRoom: 'LEAVE_ROOM',
  Resume: 'Resume',
} as const;

/** Record types (`RecordTypes`): the `type` of record messages. */
export const RecordTypes = {
  User: 'User',
  StudentGroup: 'StudentGroup',
  GroupMembership: 'GroupMembership',
  DocumentRoot: 'DocumentRoot',
  UserPermission: 'UserPermission',
  GroupPermission: 'GroupPermission',
  Document: 'Document',
} as const;

/**
 * Why the gateway closed (or refused) a connection (`CloseReasons`): the code before the colon is
 * what a client acts on; the full text is what the gateway sends.
 */
export const CloseReasons = {
  SlowConnection: 'slow-connection: fell too far behind; reconnect and Resume from the last seq received',
  MissedEvents: 'missed-events: the gateway may have missed events for this connection; reconnect and Resume from the last seq received',
  GatewayUnavailable: 'gateway-unavailable: the gateway cannot reach its shared state right now; connect again shortly, then Resume from the last seq received',
  SessionEnded: 'session-ended: every session of this user ended; sign in again',
  AccessChanged: 'access-changed: your role changed; reconnect and Resume from the last seq received',
  TokenExpired: 'token-expired: the access token expired; refresh it, reconnect and Resume from the last seq received',
  ServerShuttingDown: 'server-shutting-down: this gateway instance is shutting down; reconnect (to another instance) and Resume from the last seq received',
} as const;

export type ClientEventName = (typeof ClientEvents)[keyof typeof ClientEvents];
export type RecordType = (typeof RecordTypes)[keyof typeof RecordTypes];
export type CloseReasonText = (typeof CloseReasons)[keyof typeof CloseReasons];
/** `slow-connection`, `missed-events`, `gateway-unavailable`, `session-ended`, `access-changed`, `token-expired`, `server-shutting-down`. */
export type CloseReasonCode = CloseReasonText extends `${infer Code}: ${string}` ? Code : never;

/** A UUID in its canonical lower-case form. */
export type Uuid = string;

/** A room name from the shared grammar: `user:{uuid}`, `group:{uuid}`, `root:{uuid}`, `all`, `admin`. */
export type RoomName = `user:${Uuid}` | `group:${Uuid}` | `root:${Uuid}` | 'all' | 'admin';

/** Where an event stands in the gateway's history: every record event carries one. */
export interface Position {
  seq: number;
  epoch: string;
}

/** What every record event carries: its id (for dropping duplicates) and its position. */
export interface Sequenced extends Position {
  eventId: Uuid;
  /**
   * `true` on an admin's replay only (`ClientReplay.Field`): a copy sent again for debugging, outside
   * the numbering; absent on live and resumed events. The client hands replays to `onReplay`, never
   * to `on`, and never takes their position.
   */
  replay?: true;
}

/** The field a replayed event carries, `true` (`ClientReplay.Field`). */
export const ReplayField = 'replay' as const;

/** `RecordRef`: names one record. */
export interface RecordRef {
  type: RecordType;
  id: Uuid;
}

/** `UserRecord`: the `record` of a `User` record event. */
export interface UserRecord {
  id: Uuid;
  username: string;
  isAdmin: boolean;
  version: number;
}

/** `StudentGroupRecord`: the `record` of a `StudentGroup` record event (no member list). */
export interface StudentGroupRecord {
  id: Uuid;
  name: string;
  version: number;
}

/** `GroupMembershipRecord`: added (`NEW_RECORD`, isMember true) or removed (`CHANGED_RECORD`, isMember false). */
export interface GroupMembershipRecord {
  groupId: Uuid;
  userId: Uuid;
  isMember: boolean;
  membershipVersion: number;
}

/** documents-api's records (roots, grants, documents): JSON objects with at least an `id`. */
export interface ApiRecord {
  id: Uuid;
  [field: string]: unknown;
}

/** The `record` of each record type. */
export interface RecordShapes {
  User: UserRecord;
  StudentGroup: StudentGroupRecord;
  GroupMembership: GroupMembershipRecord;
  DocumentRoot: ApiRecord;
  UserPermission: ApiRecord;
  GroupPermission: ApiRecord;
  Document: ApiRecord;
}

/** `RecordMessage`: the payload of `NEW_RECORD` and `CHANGED_RECORD`, a union over record types. */
export type RecordMessage = {
  [T in RecordType]: Sequenced & { type: T; record: RecordShapes[T]; version: number };
}[RecordType];

/** `DeletedRecordMessage`: the payload of `DELETED_RECORD`; `cascade` lists what was deleted with it. */
export interface DeletedRecordMessage extends Sequenced {
  type: RecordType;
  id: Uuid;
  cascade: RecordRef[];
}

/** `ChangedDocumentMessage`: the payload of `CHANGED_DOCUMENT`. */
export interface ChangedDocumentMessage extends Sequenced {
  id: Uuid;
  data: unknown;
  /** ISO 8601 with offset. */
  updatedAt: string;
  version: number;
}

/** `ConnectedClientsMessage`: room → live connections over every gateway instance (admins only). */
export interface ConnectedClientsMessage {
  type: 'full' | 'update';
  rooms: Record<string, number>;
}

/** `PresenceMessage`: a user's first connection appeared, or their last one closed. */
export interface PresenceMessage {
  userId: Uuid;
  status: 'online' | 'offline';
}

/** `RoomAck`: the answer to `JOIN_ROOM` / `LEAVE_ROOM`. */
export interface RoomAck {
  room: RoomName;
  member: boolean;
}

/** Server → client payloads by event name. */
export interface ServerEvents {
  NEW_RECORD: RecordMessage;
  CHANGED_RECORD: RecordMessage;
  DELETED_RECORD: DeletedRecordMessage;
  CHANGED_DOCUMENT: ChangedDocumentMessage;
  CONNECTED_CLIENTS: ConnectedClientsMessage;
  PRESENCE: PresenceMessage;
}

/** The events that carry a position and go through resume, dedupe and ordering. */
export type RecordEventName = 'NEW_RECORD' | 'CHANGED_RECORD' | 'DELETED_RECORD' | 'CHANGED_DOCUMENT';

/** A record event together with its name. */
export type RecordEvent = { [N in RecordEventName]: { name: N; payload: ServerEvents[N] } }[RecordEventName];

/** An admin's replay of a record event: its payload as sent live, with `replay: true`. */
export type ReplayedEvent = { [N in RecordEventName]: { name: N; payload: ServerEvents[N] & { replay: true } } }[RecordEventName];

/** `MissedEvent`: one event of a resume answer. */
export type MissedEvent = RecordEvent;

/** `ResumeResult`: the answer to `Resume(lastSeq, epoch)`. */
export interface ResumeResult {
  reload: boolean;
  reason: string | null;
  headSeq: number;
  epoch: string;
  events: MissedEvent[];
  /** The events go up to `headSeq` only; call again from there for the rest. */
  more: boolean;
}

/** identity's answer to login, refresh and password change (`TokenResponse`). */
export interface TokenResponse {
  accessToken: string;
  refreshToken: string;
  /** Seconds the access token lives. */
  expiresIn: number;
  tokenType: string;
}

export const recordEventNames: readonly RecordEventName[] = [
  ClientEvents.NewRecord,
  ClientEvents.ChangedRecord,
  ClientEvents.DeletedRecord,
  ClientEvents.ChangedDocument,
];

export function isRecordEventName(name: string): name is RecordEventName {
  return (recordEventNames as readonly string[]).includes(name);
}
