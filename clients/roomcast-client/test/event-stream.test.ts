import { describe, expect, it } from 'vitest';
import type { RecordEvent, ResumeResult } from '../src/contract.js';
import { EventStream, type DropReason } from '../src/event-stream.js';
import { changedDocument } from './fake-hub.js';

function stream() {
  const delivered: RecordEvent[] = [];
  const dropped: [RecordEvent, DropReason][] = [];
  const events = new EventStream((event) => delivered.push(event), (event, reason) => dropped.push([event, reason]));
  return { events, delivered, dropped, seqs: () => delivered.map((event) => event.payload.seq) };
}

function answer(events: RecordEvent[], headSeq: number, more = false, epoch = 'e1'): ResumeResult {
  return { reload: false, reason: null, headSeq, epoch, events, more };
}

describe('EventStream', () => {
  it('delivers live events in the order they come and remembers the last position', () => {
    const { events, seqs } = stream();
    events.live(changedDocument(5));
    events.live(changedDocument(9));

    expect(seqs()).toEqual([5, 9]);
    expect(events.current).toEqual({ seq: 9, epoch: 'e1' });
  });

  it('drops a second copy of an event by its event id', () => {
    const { events, seqs, dropped } = stream();
    const event = changedDocument(5);
    events.live(event);

    expect(events.live(structuredClone(event))).toEqual({ kind: 'dropped', reason: 'duplicate' });
    expect(seqs()).toEqual([5]);
    expect(dropped.map(([, reason]) => reason)).toEqual(['duplicate']);
  });

  it('drops an event at or below the highest seq applied', () => {
    const { events, seqs } = stream();
    events.live(changedDocument(9, { id: '22222222-2222-4222-8222-222222222222' }));

    expect(events.live(changedDocument(7)).kind).toBe('dropped');
    expect(seqs()).toEqual([9]);
  });

  it('drops a record update whose version is not newer than the one applied', () => {
    const { events, seqs, dropped } = stream();
    events.live(changedDocument(10, { version: 4 }));

    events.live(changedDocument(11, { version: 3 }));
    events.live(changedDocument(12, { version: 4 }));
    events.live(changedDocument(13, { version: 5 }));

    expect(seqs()).toEqual([10, 13]);
    expect(dropped.map(([, reason]) => reason)).toEqual(['stale-version', 'stale-version']);
  });

  it('drops a change of a deleted record but takes its re-creation', () => {
    const { events, delivered } = stream();
    const id = '33333333-3333-4333-8333-333333333333';
    const record = (name: 'NEW_RECORD' | 'CHANGED_RECORD', seq: number, version: number): RecordEvent => ({
      name,
      payload: { type: 'DocumentRoot', record: { id, name: 'r' }, version, eventId: `00000000-0000-4000-8000-0000000000${seq}`, seq, epoch: 'e1' },
    });
    events.live(record('NEW_RECORD', 10, 1));
    events.live({ name: 'DELETED_RECORD', payload: { type: 'DocumentRoot', id, cascade: [], eventId: '00000000-0000-4000-8000-000000000011', seq: 11, epoch: 'e1' } });
    events.live(record('CHANGED_RECORD', 12, 2));
    events.live(record('NEW_RECORD', 13, 1));

    expect(delivered.map((event) => event.name)).toEqual(['NEW_RECORD', 'DELETED_RECORD', 'NEW_RECORD']);
  });

  it('holds live events while a resume is pending, then delivers the missed ones first and each live one once', () => {
    const { events, seqs } = stream();
    events.live(changedDocument(10));
    events.beginResume();
    const missed = [changedDocument(11), changedDocument(12), changedDocument(13)];
    // Live events that arrive during the resume: two of them are also in its answer.
    expect(events.live(missed[1]!).kind).toBe('buffered');
    events.live(missed[2]!);
    events.live(changedDocument(14));

    events.resumed(answer(missed, 13));

    expect(seqs()).toEqual([10, 11, 12, 13, 14]);
    expect(events.current).toEqual({ seq: 14, epoch: 'e1' });
  });

  it('keeps holding live events across the pages of a long resume', () => {
    const { events, seqs } = stream();
    events.live(changedDocument(10));
    events.beginResume();
    events.live(changedDocument(30));

    events.resumed(answer([changedDocument(11), changedDocument(12)], 20, true));
    expect(seqs()).toEqual([10, 11, 12]);
    expect(events.current).toEqual({ seq: 20, epoch: 'e1' });

    events.resumed(answer([changedDocument(25)], 30));
    expect(seqs()).toEqual([10, 11, 12, 25, 30]);
  });

  it('takes the head of an empty answer as its position', () => {
    const { events } = stream();
    events.live(changedDocument(10));
    events.beginResume();
    events.resumed(answer([], 50));

    expect(events.current).toEqual({ seq: 50, epoch: 'e1' });
  });

  it('on reload keeps only the waiting live events beyond the head and delivers them once reloaded', () => {
    const { events, seqs } = stream();
    events.live(changedDocument(10));
    events.beginResume();
    events.live(changedDocument(400, { epoch: 'e2' }));
    events.live(changedDocument(501, { epoch: 'e2' }));

    events.reload({ seq: 500, epoch: 'e2' });
    expect(seqs()).toEqual([10]);
    events.reloaded();

    expect(seqs()).toEqual([10, 501]);
    expect(events.current).toEqual({ seq: 501, epoch: 'e2' });
  });

  it('asks for a resume when a live event comes from another epoch, and holds it', () => {
    const { events, seqs } = stream();
    events.live(changedDocument(10));

    expect(events.live(changedDocument(3, { epoch: 'e2' })).kind).toBe('epoch-changed');
    expect(events.isResuming).toBe(true);
    expect(seqs()).toEqual([10]);
  });

  it('starts from a position given to it', () => {
    const { events, seqs } = stream();
    events.startAt({ seq: 20, epoch: 'e1' });

    events.live(changedDocument(20));
    events.live(changedDocument(21));

    expect(seqs()).toEqual([21]);
  });
});
