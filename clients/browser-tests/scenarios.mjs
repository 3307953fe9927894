#!/usr/bin/env node
// The demo in Debian's Chromium (never a downloaded browser), one browser for every scenario.
//   node scenarios.mjs [scenario...]        (all of them when none is named)
// env: ROOMCAST_DEMO_URL    the demo server (clients/demo/server.mjs) in front of a running Roomcast
//      ROOMCAST_WORLD       JSON: { password, users: { alice, bob, carol, dave }, planRoot, planDocument,
//                           noticeRoot, noticeDocument }: alice admin; bob may write the plan (and
//                           share it), carol read it, dave not; everyone reads the notice, alice writes it
//      ROOMCAST_BROWSER_OUTPUT  where screenshots of failures and results.json go (default: ./output)
//      ROOMCAST_CHROMIUM    the browser (default /usr/bin/chromium)
// Prints one line per scenario and exits 0 only when every scenario passed.
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const demoUrl = required("ROOMCAST_DEMO_URL").replace(/\/$/, "");
const world = JSON.parse(required("ROOMCAST_WORLD"));
const output = resolve(process.env.ROOMCAST_BROWSER_OUTPUT ?? "output");
const patience = 20_000;

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/** A signed-in tab and its hub sockets, which `offline` can cut like a lost network would. */
class Tab {
  constructor(page, user) {
    this.page = page;
    this.user = user;
  }

  state = () => this.page.getByTestId("connection-state").getAttribute("data-state");

  async untilLive() {
    await this.page.waitForFunction(
      () => ["live", "resumed"].includes(document.querySelector("[data-testid=connection-state]")?.dataset.state ?? ""),
      undefined,
      { timeout: patience },
    );
  }

  async openDocument(rootId, documentId) {
    await this.page.getByTestId(`root-${rootId}`).getByRole("button").click();
    await this.page.getByTestId(`document-${documentId}`).getByRole("button").click();
    await this.page.getByTestId("document-text").waitFor({ timeout: patience });
  }

  /** Types into the open document and saves it; resolves with the version saved. */
  async edit(text) {
    // A list reload (after an event) renders the editor again while nobody has typed into it: a fill
    // whose keystrokes land while it is replaced is lost. Once the text is in, the editor is dirty and kept.
    const editor = this.page.getByTestId("document-text");
    for (let attempt = 1; ; attempt++) {
      await editor.fill(text);
      if ((await editor.inputValue()) === text) break;
      if (attempt === 3) throw new Error(`the editor did not keep "${text}" after ${attempt} fills`);
    }
    await this.page.getByTestId("save").click();
    const saved = await this.page.waitForFunction(
      () => /^Saved version (\d+)\.$/.exec(document.querySelector("[data-testid=editor-note]")?.textContent ?? "")?.[1],
      undefined,
      { timeout: patience },
    );
    return Number(await saved.jsonValue());
  }

  /** Waits until the documents list shows `text` for the document. */
  async untilDocumentShows(documentId, text) {
    await this.page.getByTestId(`document-${documentId}`).locator(".text").filter({ hasText: text }).waitFor({ timeout: patience });
  }

  /** The tab received the change of the document to `version` as an event, and never had to reload. */
  async hasLiveChange(documentId, version) {
    const events = await this.events();
    check(
      events.some((event) => event.name === "CHANGED_DOCUMENT" && event.id === documentId && event.version === version),
      `${this.user.username} received no CHANGED_DOCUMENT of version ${version}: ${JSON.stringify(events)}`,
    );
    check(!events.some((event) => event.name === "RELOAD"), `${this.user.username} reloaded instead: ${JSON.stringify(events)}`);
  }

  /** The entries of this tab's event log (events received, reloads), oldest first. */
  async events() {
    return this.page.getByTestId("event-log").locator("li").evaluateAll((items) =>
      items.reverse().map((item) => ({
        name: item.dataset.event,
        id: item.dataset.id,
        seq: Number(item.dataset.seq),
        version: Number(item.dataset.version),
        text: item.textContent,
      })),
    );
  }
}

/** One scenario's browser contexts: each a separate user, each tab signed in through the demo's form. */
class Scenario {
  contexts = [];
  tabs = [];

  constructor(browser, name) {
    this.browser = browser;
    this.name = name;
  }

  async user(username, gateway) {
    const context = await this.browser.newContext();
    this.contexts.push(context);
    const hub = { offline: false, sockets: [] };
    await context.routeWebSocket(/\/hubs\/notifications/, (socket) => {
      if (hub.offline) {
        void socket.close({ code: 1006, reason: "offline" });
        return;
      }
      hub.sockets.push(socket);
      socket.connectToServer();
    });
    const user = { username, gateway, context, hub };
    user.tab = await this.tab(user);
    return user;
  }

  /** Another tab of `user`, signed in. */
  async tab(user) {
    const page = await user.context.newPage();
    await page.goto(`${demoUrl}/?gateway=${user.gateway}`);
    await page.locator("input[name=username]").fill(user.username);
    await page.locator("input[name=password]").fill(world.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    const tab = new Tab(page, user);
    this.tabs.push(tab);
    await tab.untilLive();
    return tab;
  }

  /** The network goes away: the hub sockets drop and new ones (and every request) fail until `online`. */
  async offline(user) {
    user.hub.offline = true;
    await user.context.setOffline(true);
    for (const socket of user.hub.sockets.splice(0)) await socket.close({ code: 1006, reason: "offline" });
  }

  async online(user) {
    user.hub.offline = false;
    await user.context.setOffline(false);
  }

  async screenshots() {
    const taken = [];
    for (const [index, tab] of this.tabs.entries()) {
      if (tab.page.isClosed()) continue;
      const path = join(output, `${this.name}-${index + 1}-${tab.user.username}.png`);
      await tab.page.screenshot({ path, fullPage: true }).then(() => taken.push(path), () => undefined);
    }
    return taken;
  }

  async close() {
    await Promise.all(this.contexts.map((context) => context.close()));
  }
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** A REST call as a user through the demo's proxy, as the demo itself makes them. */
async function signInForApi(username) {
  const response = await fetch(`${demoUrl}/identity/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: world.password }),
  });
  check(response.ok, `${username} could not sign in: ${response.status}`);
  const { accessToken } = await response.json();
  return async (method, path, body) => {
    const answer = await fetch(`${demoUrl}/documents/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!answer.ok) throw new Error(`${method} ${path} as ${username}: ${answer.status} ${await answer.text()}`);
    return answer.json();
  };
}

const nonce = () => Math.random().toString(36).slice(2, 8);

const scenarios = {
  /** Two users on two gateway instances edit one document in turn; each sees the other's edit without reloading. */
  async "two-users-see-each-others-edits"(scenario) {
    const [{ tab: bobTab }, { tab: carolTab }] = await Promise.all([scenario.user("bob", 1), scenario.user("carol", 2)]);
    // Bob lets carol write the plan (she may read it): with both online, on a history that may
    // hold no event yet (this is the first scenario on fresh services).
    const asBob = await signInForApi("bob");
    await asBob("PUT", `/roots/${world.planRoot}/permissions/users/${world.users.carol}`, { access: "RW" });
    await Promise.all([bobTab.openDocument(world.planRoot, world.planDocument), carolTab.openDocument(world.planRoot, world.planDocument)]);

    const fromBob = `bob was here ${nonce()}`;
    const bobsVersion = await bobTab.edit(fromBob);
    await carolTab.untilDocumentShows(world.planDocument, fromBob);
    check((await carolTab.page.getByTestId("document-text").inputValue()) === fromBob, "carol's open editor did not take bob's edit");

    const fromCarol = `carol answers ${nonce()}`;
    const carolsVersion = await carolTab.edit(fromCarol);
    await bobTab.untilDocumentShows(world.planDocument, fromCarol);
    // Each saw the other's edit as it happened: its event, and no reload standing in for it.
    await carolTab.hasLiveChange(world.planDocument, bobsVersion);
    await bobTab.hasLiveChange(world.planDocument, carolsVersion);
  },

  /** A reader whose network goes away while five edits happen sees all five, once and in order, when it comes back, without a reload. */
  async "offline-reader-sees-every-missed-edit-after-coming-back"(scenario) {
    const [{ tab: bobTab }, carol] = await Promise.all([scenario.user("bob", 1), scenario.user("carol", 2)]);
    const carolTab = carol.tab;
    await Promise.all([bobTab.openDocument(world.planRoot, world.planDocument), carolTab.openDocument(world.planRoot, world.planDocument)]);
    await carolTab.page.evaluate(() => (window.sameDocument = true));

    await scenario.offline(carol);
    await carolTab.page.waitForFunction(
      () => !["live", "resumed"].includes(document.querySelector("[data-testid=connection-state]")?.dataset.state ?? ""),
      undefined,
      { timeout: patience },
    );
    const tag = nonce();
    const versions = [];
    for (let edit = 1; edit <= 5; edit++) versions.push(await bobTab.edit(`offline edit ${edit} ${tag}`));

    await scenario.online(carol);
    await carolTab.untilDocumentShows(world.planDocument, `offline edit 5 ${tag}`);
    await carolTab.untilLive();
    check(await carolTab.page.evaluate(() => window.sameDocument === true), "carol's page was reloaded");
    const seen = (await carolTab.events()).filter((event) => event.name === "CHANGED_DOCUMENT" && event.id === world.planDocument && versions.includes(event.version));
    check(
      JSON.stringify(seen.map((event) => event.version)) === JSON.stringify(versions),
      `carol saw versions ${JSON.stringify(seen.map((event) => event.version))} of the five edits ${JSON.stringify(versions)}`,
    );
    check(seen.every((event, index) => index === 0 || event.seq > seen[index - 1].seq), `carol saw the edits out of order: ${JSON.stringify(seen)}`);
    await carolTab.hasLiveChange(world.planDocument, versions.at(-1));
  },

  /** A user who may not read the plan never sees it or its edits, while a change they may read reaches them. */
  async "user-without-access-never-sees-the-edits"(scenario) {
    const { tab: daveTab } = await scenario.user("dave", 1);
    check((await daveTab.page.getByTestId(`root-${world.planRoot}`).count()) === 0, "dave's roots list the plan");
    await daveTab.page.getByTestId(`root-${world.noticeRoot}`).waitFor({ timeout: patience });

    const asBob = await signInForApi("bob");
    const asAlice = await signInForApi("alice");
    const secret = `for bob and carol only ${nonce()}`;
    await asBob("PUT", `/documents/${world.planDocument}`, { data: { text: secret } });
    // Events reach dave in order: once the later notice edit is there, the plan edit would have been too.
    const notice = `notice ${nonce()}`;
    await asAlice("PUT", `/documents/${world.noticeDocument}`, { data: { text: notice } });
    await daveTab.page.getByTestId(`root-${world.noticeRoot}`).getByRole("button").click();
    await daveTab.untilDocumentShows(world.noticeDocument, notice);

    const events = await daveTab.events();
    check(events.some((event) => event.id === world.noticeDocument), `dave's event log lacks the notice edit: ${JSON.stringify(events)}`);
    check(!events.some((event) => event.id === world.planDocument || event.id === world.planRoot), `dave received an event of the plan: ${JSON.stringify(events)}`);
    check(!(await daveTab.page.content()).includes(secret), "dave's page shows the plan's text");
  },

  /** The admin panel counts a new tab of a user, on whichever gateway it connects, and drops it when it closes. */
  async "admin-panel-counts-a-new-tab"(scenario) {
    const alice = await scenario.user("alice", 1);
    const adminTab = alice.tab;
    const aliceCount = (count) =>
      adminTab.page.getByTestId("room-counts").locator(`tr[data-room="user:${world.users.alice}"][data-count="${count}"]`).waitFor({ timeout: patience });
    await aliceCount(1);

    const second = await scenario.tab({ ...alice, gateway: 2 });
    await aliceCount(2);
    await adminTab.page.getByTestId("presence").locator(`li[data-user="${world.users.alice}"][data-count="2"]`).waitFor({ timeout: patience });

    await second.page.close();
    await aliceCount(1);
  },
};

const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(scenarios);
for (const name of chosen) check(name in scenarios, `no scenario '${name}'; there are: ${Object.keys(scenarios).join(", ")}`);
await mkdir(output, { recursive: true });

const started = Date.now();
const browser = await chromium.launch({
  executablePath: process.env.ROOMCAST_CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
});
const results = {};
try {
  for (const name of chosen) {
    const scenario = new Scenario(browser, name);
    const clock = Date.now();
    try {
      await scenarios[name](scenario);
      results[name] = { passed: true, ms: Date.now() - clock };
      console.log(`scenario ${name}: passed in ${Date.now() - clock} ms`);
    } catch (error) {
      const screenshots = await scenario.screenshots();
      results[name] = { passed: false, ms: Date.now() - clock, error: String(error?.stack ?? error), screenshots };
      console.log(`scenario ${name}: FAILED in ${Date.now() - clock} ms: ${error?.stack ?? error}`);
      for (const path of screenshots) console.log(`  screenshot: ${path}`);
    } finally {
      await scenario.close();
    }
  }
} finally {
  await browser.close();
}
await writeFile(join(output, "results.json"), JSON.stringify(results, null, 2));
console.log(`browser scenarios: ${Object.values(results).filter((result) => result.passed).length} of ${chosen.length} passed in ${Date.now() - started} ms`);
process.exit(Object.values(results).every((result) => result.passed) ? 0 : 1);
