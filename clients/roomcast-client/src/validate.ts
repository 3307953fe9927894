import {
  ClientEvents,
  RecordTypes,
  type ConnectedClientsMessage,
  type PresenceMessage,
  type RecordEventName,
  type ResumeResult,
  type RoomAck,
  type ServerEvents,
  type TokenResponse,
} from './contract.js';
import { isRoomName } from './rooms.js';

/**
 * Runtime checks of every wire shape in contract.ts: each returns the problems found (empty when
 * the value has the shape). The client drops a malformed event with its problems reported; the
 * contract tests run every golden sample through them.
 */
export type Validator = (value: unknown, path?: string) => string[];

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const isoDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const recordTypes = new Set<string>(Object.values(RecordTypes));

type Field = (value: unknown, path: string) => string[];

const object =
  (fields: Record<string, Field>, options: { open?: boolean } = {}): Validator =>
  (value, path = '$') => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return [`${path}: expected an object`];
    }
    const record = value as Record<string, unknown>;
    const problems = Object.entries(fields).flatMap(([name, check]) => check(record[name], `${path}.${name}`));
    if (!options.open) {
      for (const name of Object.keys(record)) {
        if (!(name in fields)) {
          problems.push(`${path}.${name}: not part of the contract`);
        }
      }
    }
    return problems;
  };

const is =
  (what: string, test: (value: unknown) => boolean): Field =>
  (value, path) =>
    test(value) ? [] : [`${path}: expected ${what}, got ${JSON.stringify(value)}`];

const string = is('a string', (v) => typeof v === 'string');
const nonEmptyString = is('a non-empty string', (v) => typeof v === 'string' && v.length > 0);
const boolean = is('a boolean', (v) => typeof v === 'boolean');
const integer = is('a safe integer', (v) => Number.isSafeInteger(v));
const seq = is('a seq (a non-negative safe integer)', (v) => Number.isSafeInteger(v) && (v as number) >= 0);
const uuid = is('a lower-case UUID', (v) => typeof v === 'string' && uuidPattern.test(v));
const dateTime = is('an ISO 8601 date-time with offset', (v) => typeof v === 'string' && isoDateTime.test(v));
const recordType = is('a record type', (v) => typeof v === 'string' && recordTypes.has(v));
const room = is('a room name', isRoomName);
const any: Field = (value, path) => (value === undefined ? [`${path}: missing`] : []);
const nullable =
  (check: Field): Field =>
  (value, path) =>
    value === null ? [] : check(value, path);
const oneOf = (...options: string[]) => is(`one of ${options.join(', ')}`, (v) => typeof v === 'string' && options.includes(v));
const arrayOf =
  (check: Field): Field =>
  (value, path) =>
    Array.isArray(value) ? value.flatMap((item, index) => check(item, `${path}[${index}]`)) : [`${path}: expected an array`];
const mapOf =
  (keys: Field, values: Field): Field =>
  (value, path) =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? Object.entries(value).flatMap(([key, item]) => [...keys(key, `${path} key ${JSON.stringify(key)}`), ...values(item, `${path}.${key}`)])
      : [`${path}: expected an object`];

const optional =
  (check: Field): Field =>
  (value, path) =>
    value === undefined ? [] : check(value, path);
/** `replay` is present on an admin's replay only, and then `true`. */
const sequenced = { eventId: uuid, seq, epoch: nonEmptyString, replay: optional(is('true', (v) => v === true)) };

export const validateUserRecord = object({ id: uuid, username: string, isAdmin: boolean, version: integer });
export const validateStudentGroupRecord = object({ id: uuid, name: string, version: integer });
export const validateGroupMembershipRecord = object({ groupId: uuid, userId: uuid, isMember: boolean, membershipVersion: integer });
/** documents-api's records are its API's shapes (not in shared/contracts): only their id is the client's business. */
export const validateApiRecord = object({ id: uuid }, { open: true });

const recordShapes: Record<string, Validator> = {
  [RecordTypes.User]: validateUserRecord,
  [RecordTypes.StudentGroup]: validateStudentGroupRecord,
  [RecordTypes.GroupMembership]: validateGroupMembershipRecord,
};

export const validateRecordMessage: Validator = (value, path = '$') => {
  const problems = object({ type: recordType, record: any, version: integer, ...sequenced })(value, path);
  if (problems.length === 0) {
    const message = value as { type: string; record: unknown };
    problems.push(...(recordShapes[message.type] ?? validateApiRecord)(message.record, `${path}.record`));
  }
  return problems;
};

export const validateRecordRef = object({ type: recordType, id: uuid });
export const validateDeletedRecordMessage = object({ type: recordType, id: uuid, cascade: arrayOf(validateRecordRef), ...sequenced });
export const validateChangedDocumentMessage = object({ id: uuid, data: any, updatedAt: dateTime, version: integer, ...sequenced });
export const validateConnectedClientsMessage = object({
  type: oneOf('full', 'update'),
  rooms: mapOf(room, is('a count', (v) => Number.isSafeInteger(v) && (v as number) >= 0)),
});
export const validatePresenceMessage = object({ userId: uuid, status: oneOf('online', 'offline') });
export const validateRoomAck = object({ room, member: boolean });
export const validateTokenResponse = object({ accessToken: nonEmptyString, refreshToken: nonEmptyString, expiresIn: integer, tokenType: string });

/** The validator of each server event's payload. */
export const serverEventValidators: { [N in keyof ServerEvents]: Validator } = {
  [ClientEvents.NewRecord]: validateRecordMessage,
  [ClientEvents.ChangedRecord]: validateRecordMessage,
  [ClientEvents.DeletedRecord]: validateDeletedRecordMessage,
  [ClientEvents.ChangedDocument]: validateChangedDocumentMessage,
  [ClientEvents.ConnectedClients]: validateConnectedClientsMessage,
  [ClientEvents.Presence]: validatePresenceMessage,
};

const recordEvent: Field = (value, path) => {
  const head = object({ name: oneOf(ClientEvents.NewRecord, ClientEvents.ChangedRecord, ClientEvents.DeletedRecord, ClientEvents.ChangedDocument), payload: any })(value, path);
  if (head.length > 0) {
    return head;
  }
  const event = value as { name: RecordEventName; payload: unknown };
  return serverEventValidators[event.name](event.payload, `${path}.payload`);
};

export const validateMissedEvent: Validator = (value, path = '$') => recordEvent(value, path);

export const validateResumeResult: Validator = (value, path = '$') => {
  const problems = object({ reload: boolean, reason: nullable(string), headSeq: seq, epoch: string, events: arrayOf(recordEvent), more: boolean })(value, path);
  if (problems.length === 0) {
    const result = value as ResumeResult;
    if (result.reload && result.events.length > 0) {
      problems.push(`${path}.events: a reload answer carries no events`);
    }
  }
  return problems;
};

/** Narrowing helpers for code that wants a boolean. */
export const isResumeResult = (value: unknown): value is ResumeResult => validateResumeResult(value).length === 0;
export const isRoomAck = (value: unknown): value is RoomAck => validateRoomAck(value).length === 0;
export const isTokenResponse = (value: unknown): value is TokenResponse => validateTokenResponse(value).length === 0;
export const isConnectedClientsMessage = (value: unknown): value is ConnectedClientsMessage => validateConnectedClientsMessage(value).length === 0;
export const isPresenceMessage = (value: unknown): value is PresenceMessage => validatePresenceMessage(value).length === 0;
