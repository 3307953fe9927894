// The demo: sign in as a demo user, browse the roots and documents you may read, edit one and watch
// it change in another user's window, and (as an admin) watch room counts and presence live.
import { IdentityError, RoomcastClient, webStorageSession, type ConnectionState, type RecordEvent, type Session } from "@roomcast/client";
import { Api, ApiError, loadConfig, urls, type DemoConfig, type DocumentRecord, type Root } from "./api";
import { byId, fill, h } from "./dom";

const config = await loadConfig();
const app = byId("app");
// Per tab (sessionStorage), so two tabs of one browser can be two users.
const storage = webStorageSession(sessionStorage, "roomcast-demo.session");
const gatewayKey = "roomcast-demo.gateway";

const labels: Record<ConnectionState, string> = {
  idle: "not connected",
  connecting: "connecting…",
  live: "live",
  reconnecting: "reconnecting… (missed events will follow)",
  resumed: "live (caught up)",
  "reload-needed": "reloading: too much was missed",
  "session-ended": "session ended: sign in again",
  stopped: "stopped",
};

if (storage.load()) void open(undefined, Number(sessionStorage.getItem(gatewayKey)) || 1).catch(() => signInView(config));
else signInView(config);

function signInView(demo: DemoConfig, problem?: string): void {
  setConnection("signed-out", "signed out");
  fill(byId("who"));
  byId("sign-out").hidden = true;
  const chosen = Number(new URLSearchParams(location.search).get("gateway")) || 1 + Math.floor(Math.random() * demo.gateways);
  const username = h("input", { name: "username", autocomplete: "username", required: true }) as HTMLInputElement;
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true }) as HTMLInputElement;
  const gateway = h(
    "select",
    { name: "gateway" },
    ...Array.from({ length: demo.gateways }, (_, index) => h("option", { value: index + 1, selected: index + 1 === chosen }, `gateway ${index + 1}`)),
  ) as HTMLSelectElement;
  const form = h(
    "form",
    {
      class: "card sign-in",
      onsubmit: async (event: Event) => {
        event.preventDefault();
        try {
          await open(await RoomcastClient.login(urls.identity, username.value, password.value), Number(gateway.value));
        } catch (error) {
          signInView(demo, error instanceof IdentityError && error.status === 401 ? "Wrong username or password." : String(error));
        }
      },
    },
    h("h2", {}, "Sign in"),
    h("label", {}, "Username ", username),
    h("label", {}, "Password ", password),
    h("label", {}, "Gateway ", gateway),
    h("button", { type: "submit" }, "Sign in"),
    problem && h("p", { class: "problem", role: "alert" }, problem),
  );
  const users =
    demo.users.length > 0 &&
    h(
      "div",
      { class: "card" },
      h("h2", {}, "Demo users"),
      h("p", {}, "Click one to fill in the form. Open another window (or a private one) to be a second user."),
      h(
        "table",
        {},
        h("tr", {}, h("th", {}, "user"), h("th", {}, "password"), h("th", {}, "")),
        ...demo.users.map((user) =>
          h(
            "tr",
            {},
            h("td", {}, h("button", { type: "button", class: "link", onclick: () => ((username.value = user.username), (password.value = user.password)) }, user.username)),
            h("td", {}, h("code", {}, user.password)),
            h("td", {}, user.isAdmin ? "admin: sees every room's count and who is online" : ""),
          ),
        ),
      ),
    );
  fill(app, h("div", { class: "columns" }, form, users));
  username.focus();
}

/** What the event log shows: every record event received, and every reload the client asked for. */
type LogEntry = RecordEvent | { name: "RELOAD"; reason: string };

/** A document's text, shortened for one line of the event log. */
function snippet(data: unknown): string {
  const text = String((data as { text?: unknown } | null)?.text ?? JSON.stringify(data));
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function setConnection(state: string, label: string): void {
  const badge = byId("connection");
  badge.dataset.state = state;
  badge.textContent = label;
}

/** The signed-in view of one tab: a session just signed in, or the one this tab kept. */
async function open(session: Session | undefined, gateway: number): Promise<void> {
  sessionStorage.setItem(gatewayKey, String(gateway));
  const client = new RoomcastClient({ hubUrl: urls.hub(gateway), identityUrl: urls.identity, session, storage });
  const api = new Api(() => client.accessToken());
  const me = await api.me();
  const names = new Map<string, string>([[me.id, me.username]]);
  if (me.isAdmin) for (const user of await api.users()) names.set(user.id, user.username);
  let roots: Root[] = [];
  let rootId: string | undefined;
  let documents = new Map<string, DocumentRecord>();
  let editing: { id: string; baseVersion: number; dirty: boolean } | undefined;
  const events: LogEntry[] = [];

  fill(byId("who"), `${me.username}${me.isAdmin ? " (admin)" : ""} on gateway ${gateway}`);
  const signOut = byId("sign-out");
  signOut.hidden = false;
  signOut.onclick = async () => {
    await client.logout().catch(() => undefined);
    signInView(config);
  };

  const rootsList = h("ul", { class: "list", "data-testid": "roots" });
  const documentsList = h("ul", { class: "list", "data-testid": "documents" });
  const editor = h("div", { "data-testid": "editor" });
  const eventLog = h("ol", { class: "events", "data-testid": "event-log" });
  const admin = h("div", { "data-testid": "admin-panel" });
  fill(
    app,
    h(
      "div",
      { class: "columns" },
      h("section", { class: "card" }, h("h2", {}, "Roots you may read"), rootsList),
      h("section", { class: "card" }, h("h2", {}, "Documents"), documentsList),
      h("section", { class: "card wide" }, h("h2", {}, "Document"), editor),
    ),
    h(
      "div",
      { class: "columns" },
      me.isAdmin && h("section", { class: "card wide" }, h("h2", {}, "Admin: rooms and presence"), admin),
      h("section", { class: "card wide" }, h("h2", {}, "Live events"), eventLog),
    ),
  );

  client.onStateChange(({ state, reason }) => {
    setConnection(state, labels[state]);
    if (state === "session-ended") signInView(config, reason ?? undefined);
  });
  // Every record event arrives here once and in order; after a reconnect the missed ones come first.
  const received = (event: RecordEvent) => {
    logEntry(event);
    if (event.name === "CHANGED_DOCUMENT") documentChanged(event.payload.id, { ...event.payload, data: event.payload.data as DocumentRecord["data"] });
    else void reloadLists();
  };
  client.on("CHANGED_DOCUMENT", (payload) => received({ name: "CHANGED_DOCUMENT", payload }));
  client.on("NEW_RECORD", (payload) => received({ name: "NEW_RECORD", payload }));
  client.on("CHANGED_RECORD", (payload) => received({ name: "CHANGED_RECORD", payload }));
  client.on("DELETED_RECORD", (payload) => received({ name: "DELETED_RECORD", payload }));
  // Too much was missed to hand over: load everything again; live events wait until this is done.
  client.onReload(({ reason }) => {
    logEntry({ name: "RELOAD", reason });
    return reloadLists();
  });
  client.onConnectedClientsChange((counts) => renderAdmin(counts));

  await client.start();
  await reloadLists();

  async function reloadLists(): Promise<void> {
    roots = await api.roots();
    if (rootId && !roots.some((root) => root.id === rootId)) rootId = undefined;
    rootId ??= roots[0]?.id;
    documents = new Map(rootId ? (await api.documents(rootId)).map((document) => [document.id, document]) : []);
    if (editing && !documents.has(editing.id)) editing = undefined;
    renderRoots();
    renderDocuments();
    // Never throw away what the user is typing: a list reload (a permission changed, a reload) keeps
    // the editor as it is and says when the document moved on meanwhile.
    const latest = editing && documents.get(editing.id);
    if (editing?.dirty && latest) {
      if (latest.version !== editing.baseVersion) showEditorNote(`Someone saved version ${latest.version} while you were editing; saving yours will be refused until you load it.`);
    } else renderEditor();
  }

  function documentChanged(id: string, change: Pick<DocumentRecord, "data" | "updatedAt" | "version">): void {
    const known = documents.get(id);
    if (!known || known.version >= change.version) return;
    documents.set(id, { ...known, data: change.data, updatedAt: change.updatedAt, version: change.version });
    renderDocuments();
    if (editing?.id !== id) return;
    if (editing.dirty) showEditorNote(`Someone saved version ${change.version} while you were editing; saving yours will be refused until you load it.`);
    else renderEditor();
  }

  function renderRoots(): void {
    fill(
      rootsList,
      roots.length === 0 && h("li", { class: "muted" }, "none"),
      ...roots.map((root) =>
        h(
          "li",
          { "data-testid": `root-${root.id}`, class: root.id === rootId ? "selected" : "" },
          h(
            "button",
            {
              class: "link",
              onclick: async () => {
                rootId = root.id;
                editing = undefined;
                await reloadLists();
              },
            },
            root.name,
          ),
          h("span", { class: "muted" }, ` shared: ${root.sharedAccess}`),
        ),
      ),
    );
  }

  function renderDocuments(): void {
    fill(
      documentsList,
      documents.size === 0 && h("li", { class: "muted" }, "none"),
      ...[...documents.values()].map((document) =>
        h(
          "li",
          { "data-testid": `document-${document.id}`, "data-version": document.version, class: document.id === editing?.id ? "selected" : "" },
          h(
            "button",
            {
              class: "link",
              onclick: () => {
                editing = { id: document.id, baseVersion: document.version, dirty: false };
                renderDocuments();
                renderEditor();
              },
            },
            String(document.data.title ?? document.type),
          ),
          h("span", { class: "muted" }, ` v${document.version}: `),
          h("span", { class: "text" }, String(document.data.text ?? "")),
        ),
      ),
    );
  }

  function renderEditor(): void {
    const document = editing && documents.get(editing.id);
    if (!editing || !document) {
      fill(editor, h("p", { class: "muted" }, "Pick a document."));
      return;
    }
    const current = editing;
    current.baseVersion = document.version;
    current.dirty = false;
    const text = h("textarea", { rows: 6, "data-testid": "document-text", value: String(document.data.text ?? "") }) as HTMLTextAreaElement;
    text.addEventListener("input", () => (current.dirty = true));
    const note = h("p", { class: "note", "data-testid": "editor-note" });
    fill(
      editor,
      h("h3", {}, String(document.data.title ?? document.type)),
      h("p", { class: "muted" }, `version `, h("span", { "data-testid": "document-version" }, document.version), `, updated ${new Date(document.updatedAt).toLocaleTimeString()}`),
      text,
      h(
        "div",
        { class: "row" },
        h(
          "button",
          {
            "data-testid": "save",
            onclick: async () => {
              showEditorNote("Saving…");
              try {
                const saved = await api.updateDocument(document.id, { ...document.data, text: text.value }, current.baseVersion, client.connectionId);
                documents.set(saved.id, saved);
                renderDocuments();
                renderEditor();
                showEditorNote(`Saved version ${saved.version}.`);
              } catch (error) {
                showEditorNote(
                  error instanceof ApiError && error.status === 409
                    ? "Someone else saved first: load their version, then edit again."
                    : error instanceof ApiError && error.status === 403
                      ? "You may read this document but not change it."
                      : String(error),
                );
              }
            },
          },
          "Save",
        ),
        h("button", { onclick: () => renderEditor() }, "Load latest"),
      ),
      note,
    );
  }

  function showEditorNote(text: string): void {
    const note = editor.querySelector("[data-testid=editor-note]");
    if (note) note.textContent = text;
  }

  function logEntry(entry: LogEntry): void {
    events.unshift(entry);
    events.length = Math.min(events.length, 100);
    fill(eventLog, ...events.map(describeEntry));
  }

  function describeEntry(event: LogEntry): HTMLElement {
    if (event.name === "RELOAD") return h("li", { "data-event": event.name, class: "reload" }, `reloaded everything: ${event.reason}`);
    const [id, version, what] =
      event.name === "CHANGED_DOCUMENT"
        ? [event.payload.id, event.payload.version, `${documentName(event.payload.id)} version ${event.payload.version}: ${snippet(event.payload.data)}`]
        : event.name === "DELETED_RECORD"
          ? [event.payload.id, undefined, `${event.payload.type} deleted`]
          : ["id" in event.payload.record ? event.payload.record.id : event.payload.record.groupId, event.payload.version, `${event.payload.type} version ${event.payload.version}`];
    return h(
      "li",
      { "data-event": event.name, "data-id": id, "data-seq": event.payload.seq, "data-version": version },
      h("code", {}, `#${event.payload.seq}`),
      ` ${event.name}: ${what}`,
    );
  }

  function documentName(id: string): string {
    const known = documents.get(id);
    return known ? String(known.data.title ?? known.type) : "a document";
  }

  function renderAdmin(counts: ReadonlyMap<string, number>): void {
    if (!me.isAdmin) return;
    const rooms = [...counts.entries()].filter(([, count]) => count > 0).sort(([a], [b]) => a.localeCompare(b));
    const online = rooms.filter(([room]) => room.startsWith("user:"));
    fill(
      admin,
      h("h3", {}, "Online now"),
      h(
        "ul",
        { class: "list", "data-testid": "presence" },
        online.length === 0 && h("li", { class: "muted" }, "nobody"),
        ...online.map(([room, count]) => {
          const id = room.slice("user:".length);
          return h("li", { "data-user": id, "data-count": count }, names.get(id) ?? id, h("span", { class: "muted" }, ` ${count} connection${count === 1 ? "" : "s"}`));
        }),
      ),
      h("h3", {}, "Connections per room (all gateways)"),
      h(
        "table",
        { "data-testid": "room-counts" },
        h("tr", {}, h("th", {}, "room"), h("th", {}, "connections")),
        ...rooms.map(([room, count]) => h("tr", { "data-room": room, "data-count": count }, h("td", {}, describeRoom(room)), h("td", {}, count))),
      ),
    );
  }

  function describeRoom(room: string): string {
    const [kind, id] = room.split(":");
    const name = kind === "user" ? names.get(id) : kind === "root" ? roots.find((root) => root.id === id)?.name : undefined;
    return name ? `${room} (${name})` : room;
  }
}

