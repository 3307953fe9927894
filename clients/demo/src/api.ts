// The HTTP side of the demo: identity (who am I, who is who) and documents-api (roots and
// documents), both on this origin under the prefixes server.mjs proxies. Signing in and refreshing
// tokens is @roomcast/client's.

export interface Me {
  id: string;
  username: string;
  isAdmin: boolean;
}

export interface Root {
  id: string;
  name: string;
  sharedAccess: string;
  createdBy: string;
  version: number;
}

export interface DocumentRecord {
  id: string;
  rootId: string;
  authorId: string;
  type: string;
  parentId: string | null;
  data: Record<string, unknown>;
  updatedAt: string;
  version: number;
}

export interface DemoConfig {
  gateways: number;
  users: { username: string; password: string; isAdmin: boolean }[];
}

/** An answer that was not 2xx, with the problem details' title and type when the API sent them. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

async function send<T>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const headers = new Headers(init.headers);
  if (init.json !== undefined) headers.set("content-type", "application/json");
  const response = await fetch(path, { ...init, headers, body: init.json === undefined ? init.body : JSON.stringify(init.json) });
  if (!response.ok) {
    const problem = await response.json().catch(() => undefined);
    throw new ApiError(response.status, problem?.type, problem?.detail ?? problem?.title ?? `${response.status} ${response.statusText}`);
  }
  return response.status === 204 ? (undefined as T) : ((await response.json()) as T);
}

export const loadConfig = () => send<DemoConfig>("/demo-config.json");

/** Where the browser finds each service: on this origin, under the prefixes server.mjs proxies. */
export const urls = {
  identity: `${location.origin}/identity`,
  hub: (gateway: number) => `${location.origin}/gateways/${gateway}/hubs/notifications`,
};

/** The REST calls of the demo, each with a fresh access token (the client refreshes it through identity). */
export class Api {
  constructor(private readonly accessToken: () => Promise<string>) {}

  me = () => this.call<Me>("/identity/api/v1/users/me");
  users = () => this.call<Me[]>("/identity/api/v1/users");
  roots = () => this.call<Root[]>("/documents/api/v1/roots");
  documents = (rootId: string) =>
    this.call<{ items: DocumentRecord[] }>(`/documents/api/v1/roots/${rootId}/documents?pageSize=100`).then((page) => page.items);

  /**
   * Saves a document's data. With the version it was edited from, so a concurrent change answers 409
   * instead of being overwritten; naming this tab's connection, whose own change the gateway may skip.
   */
  updateDocument = (id: string, data: Record<string, unknown>, expectedVersion: number, originConnection: string | null) =>
    this.call<DocumentRecord>(`/documents/api/v1/documents/${id}`, {
      method: "PUT",
      json: { data, expectedVersion },
      headers: originConnection ? { "x-metadata-socketid": originConnection } : {},
    });

  private async call<T>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${await this.accessToken()}`);
    return send<T>(path, { ...init, headers });
  }
}
