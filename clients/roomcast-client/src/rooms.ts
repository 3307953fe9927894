import type { RoomName, Uuid } from './contract.js';

const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const grammar = new RegExp(`^(?:(?:user|group|root):${uuid}|all|admin)$`);
const emptyUuid = '00000000-0000-0000-0000-000000000000';

/** Whether `value` is a room name of the shared grammar (canonical lower case, no empty UUID), as `RoomName.TryParse` says. */
export function isRoomName(value: unknown): value is RoomName {
  return typeof value === 'string' && grammar.test(value) && !value.endsWith(emptyUuid);
}

function withId(prefix: 'user' | 'group' | 'root', id: Uuid): RoomName {
  const room = `${prefix}:${id.toLowerCase()}`;
  if (!isRoomName(room)) {
    throw new TypeError(`'${id}' is not a UUID a room can be named by.`);
  }
  return room;
}

/** Builds room names, as `RoomName` does in shared/contracts. */
export const Rooms = {
  user: (userId: Uuid): RoomName => withId('user', userId),
  group: (groupId: Uuid): RoomName => withId('group', groupId),
  root: (rootId: Uuid): RoomName => withId('root', rootId),
  all: 'all' as const satisfies RoomName,
  admin: 'admin' as const satisfies RoomName,
};
