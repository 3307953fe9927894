import type { TokenResponse } from './contract.js';
import { IdentityError, SessionEndedError } from './errors.js';
import { validateTokenResponse } from './validate.js';

/** A signed-in session: identity's tokens and when the access token expires (ms since the epoch). */
export interface Session {
  accessToken: string;
  refreshToken: string;
  /** Read from the token's `exp` when absent. */
  expiresAt?: number;
}

/**
 * Where a session is kept between page loads and shared between tabs (e.g. `localStorage`). A
 * refresh token is single use and a second use revokes the whole login, so tabs sharing one must
 * see each other's rotations: the client reads the store again before it refreshes.
 */
export interface SessionStore {
  load(): Session | null;
  save(session: Session | null): void;
}

export type Fetch = typeof globalThis.fetch;

/** A `SessionStore` over Web Storage (`localStorage` in a browser). */
export function webStorageSession(storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>, key = 'roomcast.session'): SessionStore {
  return {
    load() {
      const text = storage.getItem(key);
      return text === null ? null : (JSON.parse(text) as Session);
    },
    save(session) {
      if (session === null) {
        storage.removeItem(key);
      } else {
        storage.setItem(key, JSON.stringify(session));
      }
    },
  };
}

/** The `exp` of a JWT in ms, or null when it has none or cannot be read. */
export function expiryOf(accessToken: string): number | null {
  const part = accessToken.split('.')[1];
  if (!part) {
    return null;
  }
  try {
    const base64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
    const claims = JSON.parse(atob(base64)) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : null;
  } catch {
    return null;
  }
}

function sessionOf(tokens: TokenResponse, now: number): Session {
  return { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiresAt: now + tokens.expiresIn * 1000 };
}

async function postIdentity(fetchImpl: Fetch, identityUrl: string, path: string, body: unknown): Promise<Response> {
  return fetchImpl(new URL(path, identityUrl.endsWith('/') ? identityUrl : identityUrl + '/').toString(), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function problemOf(response: Response): Promise<IdentityError> {
  let type: string | null = null;
  let detail = response.statusText;
  try {
    const problem = (await response.json()) as { type?: string; detail?: string; title?: string };
    type = problem.type ?? null;
    detail = problem.detail ?? problem.title ?? detail;
  } catch {
    // Not a problem document; the status says enough.
  }
  return new IdentityError(response.status, type, `identity answered ${response.status}: ${detail}`);
}

async function tokensFrom(response: Response): Promise<TokenResponse> {
  const body: unknown = await response.json();
  const problems = validateTokenResponse(body);
  if (problems.length > 0) {
    throw new IdentityError(response.status, null, `identity's token answer is not of the contract: ${problems.join('; ')}`);
  }
  return body as TokenResponse;
}

/** Signs in at identity (`POST /api/v1/auth/login`); rejects with `IdentityError` (401 for wrong credentials). */
export async function login(identityUrl: string, username: string, password: string, fetchImpl: Fetch = globalThis.fetch): Promise<Session> {
  const response = await postIdentity(fetchImpl, identityUrl, 'api/v1/auth/login', { username, password });
  if (!response.ok) {
    throw await problemOf(response);
  }
  return sessionOf(await tokensFrom(response), Date.now());
}

/**
 * Keeps one session's access token fresh: refreshes through identity (`POST /api/v1/auth/refresh`,
 * the refresh token rotates) when the token is within `refreshAhead` of its expiry, or when asked
 * to after the gateway said `token-expired`. One refresh at a time: a refresh token is single use.
 */
export class TokenKeeper {
  private session: Session | null;
  private refreshing: Promise<Session> | null = null;

  constructor(
    private readonly identityUrl: string,
    initial: Session | null,
    private readonly store: SessionStore | undefined,
    private readonly fetchImpl: Fetch,
    private readonly refreshAhead: number,
    private readonly now: () => number = Date.now,
  ) {
    this.session = initial ?? store?.load() ?? null;
    if (this.session && initial) {
      store?.save(this.withExpiry(this.session));
    }
  }

  get current(): Session | null {
    return this.session;
  }

  /** An access token that is not about to expire, refreshed first when it is. */
  async accessToken(): Promise<string> {
    const session = this.requireSession();
    const expiresAt = this.withExpiry(session).expiresAt;
    if (expiresAt !== undefined && expiresAt - this.now() <= this.refreshAhead) {
      return (await this.refresh(session)).accessToken;
    }
    return session.accessToken;
  }

  /** Refreshes now unless another refresh already replaced `stale` (the gateway refused it as expired). */
  async refreshAfterExpiry(stale: string): Promise<string> {
    const session = this.requireSession();
    return session.accessToken === stale ? (await this.refresh(session)).accessToken : session.accessToken;
  }

  /** Forgets the session (ended, or signed out). */
  clear(): void {
    this.session = null;
    this.store?.save(null);
  }

  /** Signs out at identity (`POST /api/v1/auth/logout`: the login's refresh tokens are revoked) and forgets the session. */
  async logout(): Promise<void> {
    const session = this.session;
    this.clear();
    if (session) {
      const response = await postIdentity(this.fetchImpl, this.identityUrl, 'api/v1/auth/logout', { refreshToken: session.refreshToken });
      if (!response.ok && response.status !== 401) {
        throw await problemOf(response);
      }
    }
  }

  private requireSession(): Session {
    if (!this.session) {
      throw new SessionEndedError('There is no session: sign in first.');
    }
    return this.session;
  }

  private withExpiry(session: Session): Session {
    if (session.expiresAt === undefined) {
      const exp = expiryOf(session.accessToken);
      if (exp !== null) {
        session.expiresAt = exp;
      }
    }
    return session;
  }

  private refresh(from: Session): Promise<Session> {
    this.refreshing ??= this.rotate(from).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async rotate(from: Session): Promise<Session> {
    const locks = (globalThis as { navigator?: { locks?: { request<T>(name: string, callback: () => Promise<T>): Promise<T> } } }).navigator?.locks;
    return locks ? locks.request('roomcast.refresh', () => this.rotateOnce(from)) : this.rotateOnce(from);
  }

  private async rotateOnce(from: Session): Promise<Session> {
    // Another tab may have rotated the shared refresh token already: presenting the old one again
    // would end the whole login.
    const stored = this.store?.load();
    if (stored && stored.refreshToken !== from.refreshToken) {
      const adopted = this.withExpiry(stored);
      if (adopted.expiresAt === undefined || adopted.expiresAt - this.now() > this.refreshAhead) {
        this.session = adopted;
        return adopted;
      }
      from = adopted;
    }
    const response = await postIdentity(this.fetchImpl, this.identityUrl, 'api/v1/auth/refresh', { refreshToken: from.refreshToken });
    if (response.status === 401) {
      this.clear();
      throw new SessionEndedError('identity no longer honours this session (ended, expired or used elsewhere): sign in again.');
    }
    if (!response.ok) {
      throw await problemOf(response);
    }
    const session = sessionOf(await tokensFrom(response), this.now());
    this.session = session;
    this.store?.save(session);
    return session;
  }
}
