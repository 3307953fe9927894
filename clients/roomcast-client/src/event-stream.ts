import type { MissedEvent, Position, RecordEvent, ResumeResult } from './contract.js';

/** Why an event was not handed to the application. */
export type DropReason = 'duplicate' | 'already-applied' | 'stale-version';

/** What happened to one event offered to the stream. */
export type Offer = { kind: 'applied' } | { kind: 'dropped'; reason: DropReason } | { kind: 'buffered' } | { kind: 'epoch-changed' };

export interface EventStreamOptions {
  /** How many event ids are remembered for dropping duplicates. */
  rememberedEvents?: number;
  /** How many records' versions are remembered for dropping stale updates. */
  rememberedRecords?: number;
}

const deleted = -1;

/**
 * The client's side of the history rules (gateway README, "Race with live delivery"): every record
 * event reaches `deliver` at most once and in seq order; a duplicate (same `eventId`, or a seq at or
 * below the highest applied) and a stale update (a record `version` at or below one applied) are
 * dropped. While a `Resume` is pending, live events wait; the answer's events go first, then the
 * waiting ones. The position is where the next `Resume` starts.
 */
export class EventStream {
  private position: Position | null = null;
  private highestApplied = -1;
  private resuming = false;
  private waiting: RecordEvent[] = [];
  private readonly seen = new Set<string>();
  private readonly versions = new Map<string, number>();
  private readonly rememberedEvents: number;
  private readonly rememberedRecords: number;

  constructor(
    private readonly deliver: (event: RecordEvent) => void,
    private readonly dropped: (event: RecordEvent, reason: DropReason) => void = () => {},
    options: EventStreamOptions = {},
  ) {
    this.rememberedEvents = options.rememberedEvents ?? 10_000;
    this.rememberedRecords = options.rememberedRecords ?? 50_000;
  }

  /** Where a `Resume` starts: the last event applied, or the head of the last resume answer. */
  get current(): Position | null {
    return this.position ? { ...this.position } : null;
  }

  get isResuming(): boolean {
    return this.resuming;
  }

  /** Starts from a known position (e.g. one kept from an earlier run), before any event. */
  startAt(position: Position | null): void {
    this.position = position ? { ...position } : null;
    this.highestApplied = position ? position.seq : -1;
  }

  /**
   * A live event. `epoch-changed` means the history numbers anew since the last event: the events
   * between cannot be known from here, so the caller resumes (the gateway answers reload), and the
   * event waits meanwhile.
   */
  live(event: RecordEvent): Offer {
    if (this.resuming) {
      this.waiting.push(event);
      return { kind: 'buffered' };
    }
    if (this.position && event.payload.epoch !== this.position.epoch) {
      this.beginResume();
      this.waiting.push(event);
      return { kind: 'epoch-changed' };
    }
    return this.offer(event);
  }

  /** From now until `resumed` or `reload`, live events wait. */
  beginResume(): void {
    this.resuming = true;
  }

  /**
   * A `Resume` answer without reload: its events, then the live ones that waited. With `more`, the
   * caller asks again from the returned position and the live ones keep waiting.
   */
  resumed(result: ResumeResult): void {
    for (const missed of result.events) {
      this.offer(missed);
    }
    // The head is where the next resume starts; a live event at or below it that the answer did
    // not hold still goes out (it reached this connection through a room a resume does not count).
    if (this.position === null || this.position.epoch !== result.epoch || result.headSeq > this.position.seq) {
      this.position = { seq: result.headSeq, epoch: result.epoch };
    }
    if (!result.more) {
      this.flush();
    }
  }

  /**
   * The gateway cannot fill the gap: everything up to the answer's head is the application's to
   * load again. Live events that waited and lie beyond the head are kept for `reloaded`.
   */
  reload(head: Position | null): void {
    this.position = head ? { ...head } : null;
    this.highestApplied = head ? head.seq : -1;
    this.waiting = this.waiting.filter((event) => head !== null && event.payload.epoch === head.epoch && event.payload.seq > head.seq);
  }

  /** The application has loaded its state again: the live events that waited go out. */
  reloaded(): void {
    this.flush();
  }

  private flush(): void {
    this.resuming = false;
    const waiting = this.waiting;
    this.waiting = [];
    for (const [index, event] of waiting.entries()) {
      if (this.position && event.payload.epoch !== this.position.epoch) {
        // A newer numbering behind the flushed events: resume again for it.
        this.beginResume();
        this.waiting = waiting.slice(index);
        return;
      }
      this.offer(event);
    }
  }

  private offer(event: RecordEvent | MissedEvent): Offer {
    const { eventId, seq } = event.payload;
    if (this.seen.has(eventId)) {
      this.dropped(event, 'duplicate');
      return { kind: 'dropped', reason: 'duplicate' };
    }
    if (seq <= this.highestApplied && this.position?.epoch === event.payload.epoch) {
      this.dropped(event, 'already-applied');
      return { kind: 'dropped', reason: 'already-applied' };
    }
    this.remember(eventId);
    this.advanceTo({ seq, epoch: event.payload.epoch });
    if (!this.takeVersion(event)) {
      this.dropped(event, 'stale-version');
      return { kind: 'dropped', reason: 'stale-version' };
    }
    this.deliver(event);
    return { kind: 'applied' };
  }

  private advanceTo(position: Position): void {
    if (!this.position || this.position.epoch !== position.epoch) {
      this.position = { ...position };
      this.highestApplied = position.seq;
      return;
    }
    if (position.seq > this.position.seq) {
      this.position = { ...position };
    }
    this.highestApplied = Math.max(this.highestApplied, position.seq);
  }

  private remember(eventId: string): void {
    this.seen.add(eventId);
    if (this.seen.size > this.rememberedEvents) {
      this.seen.delete(this.seen.values().next().value as string);
    }
  }

  /** Whether the event is newer than what was applied of its record; records it when it is. */
  private takeVersion(event: RecordEvent): boolean {
    switch (event.name) {
      case 'DELETED_RECORD': {
        this.setVersion(`${event.payload.type}:${event.payload.id}`, deleted);
        for (const gone of event.payload.cascade) {
          this.setVersion(`${gone.type}:${gone.id}`, deleted);
        }
        return true;
      }
      case 'CHANGED_DOCUMENT':
        return this.newer(`Document:${event.payload.id}`, event.payload.version, false);
      case 'NEW_RECORD':
      case 'CHANGED_RECORD': {
        const message = event.payload;
        const key =
          message.type === 'GroupMembership'
            ? `GroupMembership:${message.record.groupId}:${message.record.userId}`
            : `${message.type}:${message.record.id}`;
        return this.newer(key, message.version, event.name === 'NEW_RECORD');
      }
    }
  }

  private newer(key: string, version: number, creates: boolean): boolean {
    const known = this.versions.get(key);
    if (known === deleted ? !creates : known !== undefined && version <= known) {
      return false;
    }
    this.setVersion(key, version);
    return true;
  }

  private setVersion(key: string, version: number): void {
    this.versions.delete(key);
    this.versions.set(key, version);
    if (this.versions.size > this.rememberedRecords) {
      this.versions.delete(this.versions.keys().next().value as string);
    }
  }
}
