import type { HubTransport, TransportFactory, TransportOptions } from '../src/transport.js';
import type { Position, RecordEvent, ResumeResult } from '../src/contract.js';

/** A connection the test drives: what the client invokes is answered by the hub's `answer`. */
export class FakeConnection implements HubTransport {
  readonly handlers = new Map<string, (payload: unknown) => void>();
  readonly invocations: { method: string; args: unknown[] }[] = [];
  token: string | null = null;
  connectionId: string | null = null;
  private closeCallback: ((error?: Error) => void) | null = null;
  closed = false;

  constructor(
    private readonly hub: FakeHub,
    private readonly options: TransportOptions,
    readonly index: number,
  ) {}

  async start(): Promise<void> {
    this.token = await this.options.accessTokenFactory();
    const refusal = this.hub.refusals.shift();
    if (refusal) {
      throw refusal;
    }
    this.connectionId = `connection-${this.index}`;
  }

  async stop(): Promise<void> {
    this.closed = true;
  }

  async invoke<T>(method: string, ...args: unknown[]): Promise<T> {
    this.invocations.push({ method, args });
    return (await this.hub.answer(method, args, this)) as T;
  }

  on(event: string, handler: (payload: unknown) => void): void {
    this.handlers.set(event, handler);
  }

  onClose(callback: (error?: Error) => void): void {
    this.closeCallback = callback;
  }

  /** The gateway sends an event. */
  emit(event: RecordEvent | { name: string; payload: unknown }): void {
    this.handlers.get(event.name)?.(event.payload);
  }

  /** The gateway closes the connection, e.g. with a close reason. */
  drop(error?: Error): void {
    this.closed = true;
    this.closeCallback?.(error);
  }
}

export type Answer = (method: string, args: unknown[], connection: FakeConnection) => unknown;

/** The gateway as unit tests see it: connections made, and a script for their calls. */
export class FakeHub {
  readonly connections: FakeConnection[] = [];
  /** Errors the next connects are refused with, in order. */
  readonly refusals: Error[] = [];
  head: Position = { seq: 1000, epoch: 'e1' };
  resumeAnswers: ((from: Position) => ResumeResult)[] = [];

  constructor(public answer: Answer = (method, args) => this.defaultAnswer(method, args)) {}

  readonly transport: TransportFactory = (options) => {
    const connection = new FakeConnection(this, options, this.connections.length);
    this.connections.push(connection);
    return connection;
  };

  get last(): FakeConnection {
    const connection = this.connections.at(-1);
    if (!connection) {
      throw new Error('No connection was made.');
    }
    return connection;
  }

  resumesOf(connection: FakeConnection): Position[] {
    return connection.invocations.filter((call) => call.method === 'Resume').map((call) => ({ seq: call.args[0] as number, epoch: call.args[1] as string }));
  }

  defaultAnswer(method: string, args: unknown[]): unknown {
    switch (method) {
      case 'Resume': {
        const from = { seq: args[0] as number, epoch: args[1] as string };
        const scripted = this.resumeAnswers.shift();
        if (scripted) {
          return scripted(from);
        }
        return from.epoch === this.head.epoch
          ? { reload: false, reason: null, headSeq: this.head.seq, epoch: this.head.epoch, events: [], more: false }
          : { reload: true, reason: 'epoch is not the history\'s', headSeq: this.head.seq, epoch: this.head.epoch, events: [], more: false };
      }
      case 'JOIN_ROOM':
      case 'LEAVE_ROOM':
        return { room: args[0], member: method === 'JOIN_ROOM' };
      default:
        throw new Error(`unexpected ${method}`);
    }
  }
}

let ids = 0;

/** A CHANGED_DOCUMENT event with a fresh event id (or the one given). */
export function changedDocument(seq: number, options: { epoch?: string; version?: number; id?: string; eventId?: string; text?: string } = {}): RecordEvent {
  ids++;
  return {
    name: 'CHANGED_DOCUMENT',
    payload: {
      id: options.id ?? '11111111-1111-4111-8111-111111111111',
      data: { text: options.text ?? `at ${seq}` },
      updatedAt: '2026-12-07T01:00:00+00:00',
      version: options.version ?? seq,
      eventId: options.eventId ?? `00000000-0000-4000-8000-${ids.toString().padStart(12, '0')}`,
      seq,
      epoch: options.epoch ?? 'e1',
    },
  };
}

/** Resolves once `condition` holds, checking after each turn of the event loop, for at most `ms`. */
export async function until(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`Never happened: ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** A JWT-shaped token expiring at `exp` seconds (unsigned: the client only reads `exp`). */
export function tokenExpiringAt(exp: number, name = 'token'): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'none' })}.${encode({ exp, name })}.`;
}
