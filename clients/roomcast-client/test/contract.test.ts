import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ClientEvents,
  ClientMethods,
  CloseReasons,
  RecordTypes,
  ReplayField,
  type ChangedDocumentMessage,
  type ConnectedClientsMessage,
  type DeletedRecordMessage,
  type GroupMembershipRecord,
  type PresenceMessage,
  type RecordRef,
  type ResumeResult,
  type RoomAck,
  type Sequenced,
  type StudentGroupRecord,
  type UserRecord,
} from '../src/contract.js';
import { closeReasonOf } from '../src/errors.js';
import {
  validateChangedDocumentMessage,
  validateConnectedClientsMessage,
  validateDeletedRecordMessage,
  validatePresenceMessage,
  validateRecordMessage,
  validateResumeResult,
  validateRoomAck,
  serverEventValidators,
  type Validator,
} from '../src/validate.js';

/**
 * The golden samples under contract/ are written by the C# contract types themselves
 * (tests/Roomcast.Gateway.Tests/Contract/ClientWireContractTests.cs). Each must pass its validator
 * and have exactly the fields of its TypeScript type: the exemplars below are typed, so the
 * compiler keeps their fields equal to the types', and the tests keep the samples' equal to them.
 */
const contract = join(import.meta.dirname, '..', 'contract');
const read = (file: string): unknown => JSON.parse(readFileSync(join(contract, file), 'utf8'));

const sequenced: Required<Omit<Sequenced, 'replay'>> = { eventId: '', seq: 0, epoch: '' };
const exemplars = {
  recordMessage: { type: 'User', record: { id: '', username: '', isAdmin: false, version: 0 }, version: 0, ...sequenced } satisfies Required<Omit<import('../src/contract.js').RecordMessage, 'replay'>>,
  user: { id: '', username: '', isAdmin: false, version: 0 } satisfies Required<UserRecord>,
  studentGroup: { id: '', name: '', version: 0 } satisfies Required<StudentGroupRecord>,
  groupMembership: { groupId: '', userId: '', isMember: false, membershipVersion: 0 } satisfies Required<GroupMembershipRecord>,
  deleted: { type: 'User', id: '', cascade: [], ...sequenced } satisfies Required<Omit<DeletedRecordMessage, 'replay'>>,
  recordRef: { type: 'User', id: '' } satisfies Required<RecordRef>,
  changedDocument: { id: '', data: null, updatedAt: '', version: 0, ...sequenced } satisfies Required<Omit<ChangedDocumentMessage, 'replay'>>,
  connectedClients: { type: 'full', rooms: {} } satisfies Required<ConnectedClientsMessage>,
  presence: { userId: '', status: 'online' } satisfies Required<PresenceMessage>,
  resume: { reload: false, reason: null, headSeq: 0, epoch: '', events: [], more: false } satisfies Required<ResumeResult>,
  missedEvent: { name: 'CHANGED_DOCUMENT', payload: { id: '', data: null, updatedAt: '', version: 0, ...sequenced } } satisfies ResumeResult['events'][number],
  roomAck: { room: 'all', member: true } satisfies Required<RoomAck>,
};

const keys = (value: unknown) => Object.keys(value as object).sort();

function expectFieldsOf(sample: unknown, exemplar: object, what: string): void {
  expect(keys(sample), `${what}: the C# sample's fields and the TypeScript type's differ`).toEqual(keys(exemplar));
}

const recordExemplars: Record<string, object> = {
  User: exemplars.user,
  StudentGroup: exemplars.studentGroup,
  GroupMembership: exemplars.groupMembership,
};

function checkEvent(name: string, payload: unknown, what: string): void {
  switch (name) {
    case 'NEW_RECORD':
    case 'CHANGED_RECORD': {
      expectFieldsOf(payload, exemplars.recordMessage, what);
      const message = payload as { type: string; record: unknown };
      const recordExemplar = recordExemplars[message.type];
      if (recordExemplar) {
        expectFieldsOf(message.record, recordExemplar, `${what}.record`);
      }
      break;
    }
    case 'DELETED_RECORD':
      expectFieldsOf(payload, exemplars.deleted, what);
      for (const ref of (payload as DeletedRecordMessage).cascade) {
        expectFieldsOf(ref, exemplars.recordRef, `${what}.cascade[]`);
      }
      break;
    case 'CHANGED_DOCUMENT':
      expectFieldsOf(payload, exemplars.changedDocument, what);
      break;
    case 'CONNECTED_CLIENTS':
      expectFieldsOf(payload, exemplars.connectedClients, what);
      break;
    case 'PRESENCE':
      expectFieldsOf(payload, exemplars.presence, what);
      break;
    default:
      throw new Error(`${what}: no TypeScript type for event ${name}`);
  }
}

/** Each sample file: its validator and the check of its fields. */
const kinds: [RegExp, Validator, (sample: unknown, file: string) => void][] = [
  [
    /\.replay\.json$/,
    (value, path) => serverEventValidators[eventOfReplaySample(value)](value, path),
    (sample, file) => {
      const { replay, ...live } = sample as { replay?: unknown };
      expect(replay, `${file}: a replay carries ${ReplayField}: true`).toBe(true);
      checkEvent(file.slice(0, file.indexOf('.')), live, file);
    },
  ],
  [/^(NEW|CHANGED)_RECORD\./, validateRecordMessage, (sample, file) => checkEvent(file.startsWith('NEW') ? 'NEW_RECORD' : 'CHANGED_RECORD', sample, file)],
  [/^DELETED_RECORD/, validateDeletedRecordMessage, (sample, file) => checkEvent('DELETED_RECORD', sample, file)],
  [/^CHANGED_DOCUMENT/, validateChangedDocumentMessage, (sample, file) => checkEvent('CHANGED_DOCUMENT', sample, file)],
  [/^CONNECTED_CLIENTS\./, validateConnectedClientsMessage, (sample, file) => checkEvent('CONNECTED_CLIENTS', sample, file)],
  [/^PRESENCE/, validatePresenceMessage, (sample, file) => checkEvent('PRESENCE', sample, file)],
  [
    /^Resume\./,
    validateResumeResult,
    (sample, file) => {
      expectFieldsOf(sample, exemplars.resume, file);
      for (const event of (sample as ResumeResult).events) {
        expectFieldsOf(event, exemplars.missedEvent, `${file} events[]`);
        checkEvent(event.name, event.payload, `${file} events[].payload`);
      }
    },
  ],
  [/^RoomAck/, validateRoomAck, (sample, file) => expectFieldsOf(sample, exemplars.roomAck, file)],
];

/** The replay sample is of CHANGED_DOCUMENT (the only one written; every record event takes the field alike). */
const eventOfReplaySample = (_value: unknown) => 'CHANGED_DOCUMENT' as const;

const sampleFiles = readdirSync(join(contract, 'samples')).filter((file) => file.endsWith('.json'));

describe('the wire contract written by the C# types', () => {
  it('has samples', () => {
    expect(sampleFiles.length).toBeGreaterThan(10);
  });

  it.each(sampleFiles)('%s is valid and has exactly the fields of its TypeScript type', (file) => {
    const kind = kinds.find(([pattern]) => pattern.test(file));
    expect(kind, `no TypeScript type is checked against samples/${file}: add it to contract.test.ts`).toBeDefined();
    const [, validate, check] = kind!;
    const sample = read(`samples/${file}`);

    expect(validate(sample)).toEqual([]);
    check(sample, file.replace(/\.json$/, ''));
  });

  it('names the same events, methods, close reasons and record types', () => {
    const names = read('names.json') as Record<string, unknown>;

    expect(names.clientEvents).toEqual(ClientEvents);
    expect(names.clientMethods).toEqual(ClientMethods);
    expect(names.closeReasons).toEqual(CloseReasons);
    expect([...(names.recordTypes as string[])].sort()).toEqual(Object.values(RecordTypes).sort());
    const connectedClientsTypes: ConnectedClientsMessage['type'][] = ['full', 'update'];
    const presenceStatuses: PresenceMessage['status'][] = ['online', 'offline'];
    expect(names.connectedClientsTypes).toEqual(connectedClientsTypes);
    expect(names.presenceStatuses).toEqual(presenceStatuses);
    expect(names.replayField).toBe(ReplayField);
  });

  it('reads every close reason as its code, also inside a refusal', () => {
    for (const text of Object.values(CloseReasons)) {
      const code = text.slice(0, text.indexOf(':'));
      expect(closeReasonOf(new Error(`Server returned an error on close: Connection closed with an error. ${text}`))).toBe(code);
      expect(closeReasonOf(new Error(`Connection closed with an error. HubException: ${text}`))).toBe(code);
    }
  });

  it('takes replay only as true', () => {
    const sample = read('samples/CHANGED_DOCUMENT.json') as object;

    expect(validateChangedDocumentMessage({ ...sample, replay: true })).toEqual([]);
    expect(validateChangedDocumentMessage({ ...sample, replay: false })).toEqual(['$.replay: expected true, got false']);
  });

  it('refuses a sample with a field the TypeScript side does not know', () => {
    const sample = { ...(read('samples/CHANGED_DOCUMENT.json') as object), actorId: 'x' };

    expect(validateChangedDocumentMessage(sample)).toEqual(['$.actorId: not part of the contract']);
  });
});
