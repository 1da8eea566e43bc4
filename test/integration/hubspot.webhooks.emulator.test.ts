// The HubSpot emulator's two-way-sync side: per-property change history (propertiesWithHistory),
// changes made "in HubSpot" by a person (CRM_UI), a movable clock, and webhook deliveries signed,
// batched and retried as HubSpot's webhooks API documents them.
import { createHash, createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

import type {
  HubSpotEmulator,
  HubSpotWebhookEvent,
  WebhookConfigInput,
} from "../emulators/hubspot/server";
import {
  DEFAULT_APP_ID,
  DEFAULT_TOKEN,
  signatureV1,
  signatureV2,
  signatureV3,
  startHubSpotEmulator,
} from "../emulators/hubspot/server";

interface Reply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

async function call(
  base: string,
  p: string,
  init: { method?: string; body?: unknown } = {},
): Promise<Reply> {
  const { method = "GET", body } = init;
  const res = await fetch(`${base}${p}`, {
    method,
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${DEFAULT_TOKEN}`,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
const post = async (base: string, p: string, body: unknown) =>
  await call(base, p, { method: "POST", body });
const patch = async (base: string, p: string, body: unknown) =>
  await call(base, p, { method: "PATCH", body });

// ---- the receiving app: a tiny local HTTP server ----

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  events: HubSpotWebhookEvent[];
}

/** What the receiver answers to its n-th request (0-based): a status, or 'hold' (never answered). */
type Responder = (n: number, r: Received) => number | "hold";

const SECRET = "client-secret-0f3a";
const PATH = "/hubspot/webhooks?tenant=acme&x=1";

// Computed here with node:crypto, independently of the emulator's exported helpers.
const hmacV3 = (secret: string, uri: string, raw: string, ts: string) =>
  createHmac("sha256", secret)
    .update(`POST${uri}${raw}${ts}`, "utf8")
    .digest("base64");
const sha256 = (s: string) =>
  createHash("sha256").update(s, "utf8").digest("hex");
const header = (r: Received, name: string) => {
  const v = r.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

describe("HubSpot emulator: change history, UI changes and signed webhooks", () => {
  let emu: HubSpotEmulator;
  let receiver: http.Server;
  let targetUrl: string;
  const received: Received[] = [];
  const held: http.ServerResponse[] = [];
  let responder: Responder = () => 200;

  const configure = (extra: Partial<WebhookConfigInput> = {}) =>
    emu.configureWebhooks({
      targetUrl,
      clientSecret: SECRET,
      subscriptions: [
        "contact.creation",
        "contact.propertyChange",
        "contact.deletion",
        "contact.merge",
      ],
      retryDelaysMs: [20],
      ...extra,
    });

  const verifiesV3 = (r: Received, secret = SECRET) =>
    header(r, "x-hubspot-signature-v3") ===
    hmacV3(
      secret,
      targetUrl,
      r.raw,
      String(header(r, "x-hubspot-request-timestamp")),
    );

  const apiContact = async (properties: Record<string, string>) => {
    const r = await post(emu.url, "/crm/v3/objects/contacts", { properties });
    expect(r.status).toBe(201);
    return r.body.id as string;
  };

  beforeAll(async () => {
    emu = await startHubSpotEmulator({ orderedResults: true });
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        let events: HubSpotWebhookEvent[] = [];
        try {
          events = JSON.parse(raw);
        } catch {
          // a tampered body may not be JSON; keep the raw text
        }
        const r: Received = {
          method: req.method || "",
          url: req.url || "",
          headers: req.headers,
          raw,
          events,
        };
        const n = received.length;
        received.push(r);
        const answer = responder(n, r);
        if (answer === "hold") {
          held.push(res);
          return;
        }
        res.writeHead(answer, { "content-type": "application/json" });
        res.end(JSON.stringify({ received: events.length }));
      });
    });
    await new Promise<void>((resolve) =>
      receiver.listen(0, "127.0.0.1", resolve),
    );
    const { port } = receiver.address() as AddressInfo;
    targetUrl = `http://127.0.0.1:${port}${PATH}`;
  });

  afterAll(async () => {
    await emu.close();
    await new Promise<void>((resolve) => {
      receiver.close(() => resolve());
      receiver.closeAllConnections();
    });
  });

  beforeEach(() => {
    emu.reset();
    received.length = 0;
    responder = () => 200;
  });

  afterEach(() => {
    // Release requests the receiver held open.
    for (const res of held.splice(0)) if (!res.writableEnded) res.destroy();
  });

  describe("webhook signatures", () => {
    it("v3: base64 HMAC-SHA256 over POST + full target URL + raw body + timestamp, with the v1 signature beside it", async () => {
      configure();
      const id = emu.uiCreate("contacts", {
        email: "ada@example.com",
        firstname: "Ada",
      }).id;
      emu.uiUpdate("contacts", id, { firstname: "Ada L" });
      const { requests } = await emu.deliverWebhooks();
      expect(requests).toHaveLength(1);
      expect(received).toHaveLength(1);
      const r = received[0];
      expect(r.method).toBe("POST");
      expect(r.url).toBe(PATH);
      expect(header(r, "content-type")).toBe("application/json");
      const ts = String(header(r, "x-hubspot-request-timestamp"));
      expect(ts).toMatch(/^\d{13}$/);
      expect(ts).toBe(requests[0].timestamp);
      expect(header(r, "x-hubspot-signature-v3")).toBe(
        hmacV3(SECRET, targetUrl, r.raw, ts),
      );
      expect(verifiesV3(r, "another-secret")).toBe(false);
      // HubSpot keeps sending the older signature too: v1 for CRM object events.
      expect(header(r, "x-hubspot-signature-version")).toBe("v1");
      expect(header(r, "x-hubspot-signature")).toBe(sha256(SECRET + r.raw));
      // The exported helpers agree with the independent computation.
      expect(
        signatureV3({
          clientSecret: SECRET,
          method: "POST",
          uri: targetUrl,
          body: r.raw,
          timestamp: ts,
        }),
      ).toBe(hmacV3(SECRET, targetUrl, r.raw, ts));
      expect(signatureV1({ clientSecret: SECRET, body: r.raw })).toBe(
        sha256(SECRET + r.raw),
      );

      expect(r.events).toEqual([
        {
          eventId: expect.any(Number),
          subscriptionId: 1000001,
          portalId: 99999999,
          appId: DEFAULT_APP_ID,
          occurredAt: expect.any(Number),
          subscriptionType: "contact.creation",
          attemptNumber: 0,
          objectId: Number(id),
          changeSource: "CRM_UI",
        },
        {
          eventId: r.events[0].eventId + 1,
          subscriptionId: 1000002,
          portalId: 99999999,
          appId: DEFAULT_APP_ID,
          occurredAt: expect.any(Number),
          subscriptionType: "contact.propertyChange",
          attemptNumber: 0,
          objectId: Number(id),
          propertyName: "firstname",
          propertyValue: "Ada L",
          changeSource: "CRM_UI",
        },
      ]);
      expect(emu.queuedWebhookEvents()).toEqual([]);
      expect(emu.webhookDeliveries()).toEqual(requests);
    });

    it("v2: hex SHA-256 of secret + POST + URI + body; v1: hex SHA-256 of secret + body", async () => {
      const id = await apiContact({ email: "b@example.com" });
      configure({ signatureVersion: "v2" });
      emu.uiUpdate("contacts", id, { firstname: "Bo" });
      await emu.deliverWebhooks();
      configure({ signatureVersion: "v1" });
      emu.uiUpdate("contacts", id, { firstname: "Bea" });
      await emu.deliverWebhooks();

      expect(received).toHaveLength(2);
      const [v2, v1] = received;
      expect(header(v2, "x-hubspot-signature-version")).toBe("v2");
      expect(header(v2, "x-hubspot-signature")).toBe(
        sha256(`${SECRET}POST${targetUrl}${v2.raw}`),
      );
      expect(header(v2, "x-hubspot-signature-v3")).toBeUndefined();
      expect(header(v1, "x-hubspot-signature-version")).toBe("v1");
      expect(header(v1, "x-hubspot-signature")).toBe(sha256(SECRET + v1.raw));
      expect(header(v1, "x-hubspot-request-timestamp")).toBeUndefined();
      expect(
        signatureV2({ clientSecret: SECRET, uri: targetUrl, body: v2.raw }),
      ).toBe(sha256(`${SECRET}POST${targetUrl}${v2.raw}`));
      expect(v2.events.map((e) => e.propertyValue)).toEqual(["Bo"]);
      expect(v1.events.map((e) => e.propertyValue)).toEqual(["Bea"]);
    });

    it("sendWebhookEvents: repeated eventIds, a stale timestamp, a wrong secret and a body changed after signing", async () => {
      configure();
      const events = [
        {
          eventId: 42,
          subscriptionId: 1000002,
          portalId: 99999999,
          appId: DEFAULT_APP_ID,
          occurredAt: 1700000000000,
          subscriptionType: "contact.propertyChange",
          attemptNumber: 0,
          objectId: 1001,
          propertyName: "firstname",
          propertyValue: "Ada",
          changeSource: "CRM_UI",
        },
      ];
      const first = await emu.sendWebhookEvents(events);
      const again = await emu.sendWebhookEvents(events);
      expect(first).toEqual({ status: 200, body: '{"received":1}' });
      expect(again.status).toBe(200);
      const stale = String(emu.now() - 10 * 60 * 1000);
      await emu.sendWebhookEvents(events, { timestamp: stale });
      await emu.sendWebhookEvents(events, { secret: "not-the-secret" });
      await emu.sendWebhookEvents(events, { tamperBody: true });
      await emu.sendWebhookEvents(events, { signatureVersion: "v2" });

      expect(received).toHaveLength(6);
      const [r1, r2, r3, r4, r5, r6] = received;
      // A replay: the same eventId twice, both validly signed.
      expect(r1.raw).toBe(JSON.stringify(events));
      expect(r2.events[0].eventId).toBe(42);
      expect(verifiesV3(r1)).toBe(true);
      expect(verifiesV3(r2)).toBe(true);
      // Stale: the signature is valid for the old timestamp; only a freshness check rejects it.
      expect(header(r3, "x-hubspot-request-timestamp")).toBe(stale);
      expect(verifiesV3(r3)).toBe(true);
      // Wrong secret.
      expect(verifiesV3(r4)).toBe(false);
      expect(verifiesV3(r4, "not-the-secret")).toBe(true);
      // Tampered: the body sent is not the body signed.
      expect(r5.events[0].objectId).toBe(1002);
      expect(verifiesV3(r5)).toBe(false);
      expect(header(r5, "x-hubspot-signature-v3")).toBe(
        hmacV3(
          SECRET,
          targetUrl,
          JSON.stringify(events),
          String(header(r5, "x-hubspot-request-timestamp")),
        ),
      );
      expect(header(r6, "x-hubspot-signature")).toBe(
        sha256(`${SECRET}POST${targetUrl}${r6.raw}`),
      );
      // Not deliveries, and nothing was queued.
      expect(emu.webhookDeliveries()).toEqual([]);
    });
  });

  describe("batching and retries", () => {
    it("250 UI changes go out as 3 requests of 100, 100 and 50 events, eventIds increasing", async () => {
      const id = await apiContact({ email: "many@example.com" });
      configure({ subscriptions: ["contact.propertyChange"] });
      for (let i = 0; i < 250; i++)
        emu.uiUpdate("contacts", id, { firstname: `n${i}` });
      expect(emu.queuedWebhookEvents()).toHaveLength(250);

      const { requests } = await emu.deliverWebhooks();
      expect(
        requests.map((q) => [q.status, q.eventIds.length, q.attemptNumber]),
      ).toEqual([
        [200, 100, 0],
        [200, 100, 0],
        [200, 50, 0],
      ]);
      expect(received.map((r) => r.events.length)).toEqual([100, 100, 50]);
      const all = received.flatMap((r) => r.events);
      expect(all.map((e) => e.propertyValue)).toEqual(
        Array.from({ length: 250 }, (_, i) => `n${i}`),
      );
      const ids = all.map((e) => e.eventId);
      expect(ids.every((x, i) => i === 0 || x > ids[i - 1])).toBe(true);
      expect(ids).toEqual(requests.flatMap((q) => q.eventIds));
      expect(all.every((e) => e.attemptNumber === 0)).toBe(true);
      expect(received.every((r) => verifiesV3(r))).toBe(true);
      // Nothing left to send.
      expect((await emu.deliverWebhooks()).requests).toEqual([]);
    });

    it("a 500 is retried with the same eventIds, attemptNumber 1 and a fresh signature", async () => {
      const id = await apiContact({ email: "retry@example.com" });
      configure({ retryDelaysMs: [25] });
      emu.uiUpdate("contacts", id, { firstname: "A", lastname: "B" });
      responder = (n) => (n === 0 ? 500 : 200);

      const { requests } = await emu.deliverWebhooks();
      expect(requests).toEqual([
        expect.objectContaining({ status: 500, attemptNumber: 0 }),
        expect.objectContaining({ status: 200, attemptNumber: 1 }),
      ]);
      expect(requests[0].dropped).toBeUndefined();
      expect(requests[1].eventIds).toEqual(requests[0].eventIds);
      expect(received).toHaveLength(2);
      expect(received[1].events.map((e) => e.eventId)).toEqual(
        received[0].events.map((e) => e.eventId),
      );
      expect(received[0].events.map((e) => e.attemptNumber)).toEqual([0, 0]);
      expect(received[1].events.map((e) => e.attemptNumber)).toEqual([1, 1]);
      // Otherwise the same events.
      const strip = (e: HubSpotWebhookEvent) => ({ ...e, attemptNumber: 0 });
      expect(received[1].events.map(strip)).toEqual(
        received[0].events.map(strip),
      );
      // Signed anew, with a later timestamp (the retry waited 25 ms).
      const ts = received.map((r) =>
        Number(header(r, "x-hubspot-request-timestamp")),
      );
      expect(ts[1]).toBeGreaterThan(ts[0]);
      expect(received.every((r) => verifiesV3(r))).toBe(true);
    });

    it("429 is retried; a retried request comes after the later requests of its round", async () => {
      const id = await apiContact({ email: "order@example.com" });
      configure({ maxEventsPerRequest: 1, retryDelaysMs: [5] });
      emu.uiUpdate("contacts", id, { firstname: "first" });
      emu.uiUpdate("contacts", id, { firstname: "second" });
      responder = (n) => (n === 0 ? 429 : 200);

      const { requests } = await emu.deliverWebhooks();
      const [a, b] = emu.webhookDeliveries().map((d) => d.eventIds[0]);
      expect(
        requests.map((q) => [q.status, q.eventIds, q.attemptNumber]),
      ).toEqual([
        [429, [a], 0],
        [200, [b], 0],
        [200, [a], 1],
      ]);
      // The receiver sees the older change last: it has to order by occurredAt, not by arrival.
      expect(received.map((r) => r.events[0].propertyValue)).toEqual([
        "first",
        "second",
        "first",
      ]);
    });

    it("a 400 is not retried; events are dropped", async () => {
      const id = await apiContact({ email: "bad@example.com" });
      configure({ retryDelaysMs: [5, 5] });
      emu.uiUpdate("contacts", id, { firstname: "X" });
      responder = () => 400;

      const { requests } = await emu.deliverWebhooks();
      expect(requests).toEqual([
        expect.objectContaining({
          status: 400,
          attemptNumber: 0,
          dropped: true,
        }),
      ]);
      expect(received).toHaveLength(1);
      expect(emu.queuedWebhookEvents()).toEqual([]);
      expect((await emu.deliverWebhooks()).requests).toEqual([]);
      expect(received).toHaveLength(1);
    });

    it("5xx until the retries run out: one request per delay, the last dropped", async () => {
      const id = await apiContact({ email: "down@example.com" });
      configure({ retryDelaysMs: [5, 5] });
      emu.uiUpdate("contacts", id, { firstname: "X" });
      responder = () => 503;

      const { requests } = await emu.deliverWebhooks();
      expect(
        requests.map((q) => [q.status, q.attemptNumber, q.dropped]),
      ).toEqual([
        [503, 0, undefined],
        [503, 1, undefined],
        [503, 2, true],
      ]);
      expect(received.map((r) => r.events[0].attemptNumber)).toEqual([0, 1, 2]);
    });

    it("a request not answered within timeoutMs is retried", async () => {
      const id = await apiContact({ email: "slow@example.com" });
      configure({ timeoutMs: 200, retryDelaysMs: [10] });
      emu.uiUpdate("contacts", id, { firstname: "S" });
      responder = (n) => (n === 0 ? "hold" : 200);

      const { requests } = await emu.deliverWebhooks();
      expect(requests.map((q) => [q.status, q.attemptNumber])).toEqual([
        ["timeout", 0],
        [200, 1],
      ]);
      expect(requests[1].eventIds).toEqual(requests[0].eventIds);
      expect(received).toHaveLength(2);
      expect(held).toHaveLength(1);
    });

    it("a target that refuses connections is retried, then dropped", async () => {
      const closed = http.createServer();
      await new Promise<void>((resolve) =>
        closed.listen(0, "127.0.0.1", resolve),
      );
      const { port } = closed.address() as AddressInfo;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const id = await apiContact({ email: "gone@example.com" });
      configure({
        targetUrl: `http://127.0.0.1:${port}/hook`,
        retryDelaysMs: [5],
      });
      emu.uiUpdate("contacts", id, { firstname: "G" });

      const { requests } = await emu.deliverWebhooks();
      expect(
        requests.map((q) => [q.status, q.attemptNumber, q.dropped]),
      ).toEqual([
        ["error", 0, undefined],
        ["error", 1, true],
      ]);
    });
  });

  describe("propertiesWithHistory", () => {
    it("single GET: newest first, INTEGRATION for API writes and CRM_UI for UI edits; [] for a property never set", async () => {
      const id = await apiContact({
        email: "ada@example.com",
        firstname: "Ada",
      });
      emu.advanceClock(1000);
      emu.uiUpdate(
        "contacts",
        id,
        { firstname: "Ada L" },
        { sourceId: "userId:7" },
      );
      emu.advanceClock(1000);
      // An unchanged value adds nothing.
      await patch(emu.url, `/crm/v3/objects/contacts/${id}`, {
        properties: { firstname: "Ada L" },
      });
      emu.advanceClock(1000);
      const patched = await patch(emu.url, `/crm/v3/objects/contacts/${id}`, {
        properties: { firstname: "Ada Lovelace" },
      });
      expect(patched.body.properties.hs_lastmodifieddate).toBe(
        patched.body.updatedAt,
      );

      const got = await call(
        emu.url,
        `/crm/v3/objects/contacts/${id}?propertiesWithHistory=firstname,lastname,email`,
      );
      expect(got.status).toBe(200);
      const h = got.body.propertiesWithHistory;
      expect(Object.keys(h).sort()).toEqual(["email", "firstname", "lastname"]);
      expect(h.firstname).toEqual([
        {
          value: "Ada Lovelace",
          timestamp: got.body.updatedAt,
          sourceType: "INTEGRATION",
          sourceId: String(DEFAULT_APP_ID),
        },
        {
          value: "Ada L",
          timestamp: expect.any(String),
          sourceType: "CRM_UI",
          sourceId: "userId:7",
        },
        {
          value: "Ada",
          timestamp: got.body.createdAt,
          sourceType: "INTEGRATION",
          sourceId: String(DEFAULT_APP_ID),
        },
      ]);
      const times = h.firstname.map((e: { timestamp: string }) =>
        Date.parse(e.timestamp),
      );
      expect(times[0] - times[1]).toBeGreaterThanOrEqual(2000);
      expect(times[1] - times[2]).toBeGreaterThanOrEqual(1000);
      expect(h.lastname).toEqual([]);
      expect(h.email).toEqual([
        expect.objectContaining({
          value: "ada@example.com",
          sourceType: "INTEGRATION",
        }),
      ]);
      // Repeated query parameters work too; without the parameter there is no history.
      const repeated = await call(
        emu.url,
        `/crm/v3/objects/contacts/${id}?propertiesWithHistory=firstname&propertiesWithHistory=email`,
      );
      expect(Object.keys(repeated.body.propertiesWithHistory).sort()).toEqual([
        "email",
        "firstname",
      ]);
      const plain = await call(emu.url, `/crm/v3/objects/contacts/${id}`);
      expect(plain.body.propertiesWithHistory).toBeUndefined();
      expect(plain.body.properties).toMatchObject({
        firstname: "Ada Lovelace",
        hs_lastmodifieddate: plain.body.updatedAt,
        lastmodifieddate: plain.body.updatedAt,
      });
    });

    it("list GET caps pages with history at 50; batch read takes propertiesWithHistory in the body", async () => {
      for (let k = 0; k < 2; k++) {
        const inputs = Array.from({ length: 30 }, (_, i) => ({
          properties: {
            email: `p${k}-${i}@example.com`,
            firstname: `F${k}-${i}`,
          },
        }));
        expect(
          (
            await post(emu.url, "/crm/v3/objects/contacts/batch/create", {
              inputs,
            })
          ).status,
        ).toBe(201);
      }
      const first = emu.objects("contacts")[0];
      emu.uiUpdate("contacts", first.id, { firstname: "Changed" });

      const page = await call(
        emu.url,
        "/crm/v3/objects/contacts?limit=100&propertiesWithHistory=firstname",
      );
      expect(page.status).toBe(200);
      expect(page.body.results).toHaveLength(50);
      expect(page.body.paging.next.after).toBe("50");
      expect(
        page.body.results[0].propertiesWithHistory.firstname.map(
          (e: { value: string; sourceType: string }) => [e.value, e.sourceType],
        ),
      ).toEqual([
        ["Changed", "CRM_UI"],
        ["F0-0", "INTEGRATION"],
      ]);
      const rest = await call(
        emu.url,
        "/crm/v3/objects/contacts?limit=100&after=50&propertiesWithHistory=firstname",
      );
      expect(rest.body.results).toHaveLength(10);
      expect(rest.body.paging).toBeUndefined();
      // Without history the page cap stays 100.
      const plain = await call(emu.url, "/crm/v3/objects/contacts?limit=100");
      expect(plain.body.results).toHaveLength(60);
      expect(plain.body.results[0].propertiesWithHistory).toBeUndefined();

      const read = await post(emu.url, "/crm/v3/objects/contacts/batch/read", {
        inputs: [{ id: first.id }],
        properties: ["firstname"],
        propertiesWithHistory: ["firstname", "phone"],
      });
      expect(read.status).toBe(200);
      expect(read.body.results[0].properties.firstname).toBe("Changed");
      expect(read.body.results[0].propertiesWithHistory).toEqual({
        firstname: [
          expect.objectContaining({ value: "Changed", sourceType: "CRM_UI" }),
          expect.objectContaining({ value: "F0-0", sourceType: "INTEGRATION" }),
        ],
        phone: [],
      });

      // HubSpot reads at most 50 records per call with history, 100 without.
      const ids = (await call(emu.url, "/crm/v3/objects/contacts?limit=100")).body.results.map(
        (r: { id: string }) => ({ id: r.id }),
      );
      const tooMany = await post(emu.url, "/crm/v3/objects/contacts/batch/read", {
        inputs: ids.slice(0, 51),
        properties: ["firstname"],
        propertiesWithHistory: ["firstname"],
      });
      expect(tooMany.status).toBe(400);
      expect(tooMany.body.message).toBe(
        "The maximum number of inputs supported in a batch request for property histories is 50. Please reduce the number of items and try again",
      );
      const fifty = await post(emu.url, "/crm/v3/objects/contacts/batch/read", {
        inputs: ids.slice(0, 50),
        propertiesWithHistory: ["firstname"],
      });
      expect(fifty.body.results).toHaveLength(50);
      const hundred = await post(emu.url, "/crm/v3/objects/contacts/batch/read", {
        inputs: ids.slice(0, 60),
        properties: ["firstname"],
      });
      expect(hundred.body.results).toHaveLength(60);
    });
  });

  describe("clock", () => {
    const T0 = Date.parse("2030-01-01T00:00:00.000Z");
    let fixed: HubSpotEmulator;
    beforeAll(async () => {
      fixed = await startHubSpotEmulator({
        now: () => T0,
        orderedResults: true,
      });
    });
    afterAll(async () => {
      await fixed.close();
    });

    it("every written timestamp comes from the clock; advanceClock and POST /__emulator/clock move it; reset() puts it back", async () => {
      fixed.configureWebhooks({
        targetUrl,
        clientSecret: SECRET,
        subscriptions: ["contact.propertyChange"],
      });
      const created = await post(
        fixed.url,
        "/crm/v3/objects/contacts/batch/create",
        {
          inputs: [{ properties: { email: "t@example.com", firstname: "T" } }],
        },
      );
      expect(created.body).toMatchObject({
        startedAt: "2030-01-01T00:00:00.000Z",
        completedAt: "2030-01-01T00:00:00.000Z",
      });
      const id = created.body.results[0].id;
      expect(created.body.results[0]).toMatchObject({
        createdAt: "2030-01-01T00:00:00.000Z",
        updatedAt: "2030-01-01T00:00:00.000Z",
      });

      expect(fixed.advanceClock(5000)).toBe(T0 + 5000);
      const rec = fixed.uiUpdate("contacts", id, { firstname: "T5" });
      expect(rec.updatedAt).toBe("2030-01-01T00:00:05.000Z");
      expect(rec.properties.hs_lastmodifieddate).toBe(
        "2030-01-01T00:00:05.000Z",
      );
      expect(rec.createdAt).toBe("2030-01-01T00:00:00.000Z");

      const clock = await post(fixed.url, "/__emulator/clock", {
        offsetMs: 60000,
      });
      expect(clock.body).toEqual({
        now: T0 + 60000,
        nowIso: "2030-01-01T00:01:00.000Z",
        offsetMs: 60000,
      });
      fixed.uiUpdate("contacts", id, { firstname: "T60" });
      // A change back-dated with `at` takes its place in the history by timestamp.
      fixed.uiUpdate(
        "contacts",
        id,
        { firstname: "T30" },
        { at: "2030-01-01T00:00:30.000Z" },
      );

      expect(
        fixed.queuedWebhookEvents().map((e) => [e.propertyValue, e.occurredAt]),
      ).toEqual([
        ["T5", T0 + 5000],
        ["T60", T0 + 60000],
        ["T30", T0 + 30000],
      ]);
      const got = await call(
        fixed.url,
        `/crm/v3/objects/contacts/${id}?propertiesWithHistory=firstname`,
      );
      expect(
        got.body.propertiesWithHistory.firstname.map(
          (e: { value: string; timestamp: string }) => [e.value, e.timestamp],
        ),
      ).toEqual([
        ["T60", "2030-01-01T00:01:00.000Z"],
        ["T30", "2030-01-01T00:00:30.000Z"],
        ["T5", "2030-01-01T00:00:05.000Z"],
        ["T", "2030-01-01T00:00:00.000Z"],
      ]);

      const { requests } = await fixed.deliverWebhooks();
      expect(requests[0].timestamp).toBe(String(T0 + 60000));
      expect(header(received[0], "x-hubspot-request-timestamp")).toBe(
        String(T0 + 60000),
      );

      fixed.reset();
      expect(fixed.now()).toBe(T0);
      expect((await call(fixed.url, "/__emulator/clock")).body.offsetMs).toBe(
        0,
      );
    });
  });

  describe("changes made in HubSpot", () => {
    it("uiCreate / uiUpdate / uiDelete / uiMerge queue only subscribed events, with HubSpot's merge fields", async () => {
      configure({
        subscriptions: [
          "contact.creation",
          {
            subscriptionType: "contact.propertyChange",
            propertyName: "lastname",
          },
          "contact.merge",
          "company.deletion",
          "deal.creation",
        ],
      });
      const primary = emu.uiCreate("contacts", {
        email: "p@example.com",
        firstname: "P",
      });
      const merged = emu.uiCreate("contacts", {
        email: "m@example.com",
        phone: "+1 555 0100",
      });
      emu.uiUpdate("contacts", primary.id, {
        firstname: "P2",
        lastname: "Prime",
      });
      const company = emu.uiCreate("companies", { name: "Acme" });
      const deal = emu.uiCreate("deal", { dealname: "Big" });
      await post(
        emu.url,
        "/crm/v4/associations/contacts/companies/batch/associate/default",
        {
          inputs: [{ from: { id: merged.id }, to: { id: company.id } }],
        },
      );
      const mergedResult = emu.uiMerge("contacts", primary.id, merged.id);
      emu.uiDelete("companies", company.id);

      expect(mergedResult.properties).toMatchObject({
        email: "p@example.com",
        phone: "+1 555 0100",
        hs_merged_object_ids: merged.id,
      });
      expect(
        (await call(emu.url, `/crm/v3/objects/contacts/${merged.id}`)).status,
      ).toBe(404);
      expect(emu.state.associations).toEqual([
        expect.objectContaining({
          fromType: "contacts",
          fromId: primary.id,
          toId: company.id,
        }),
      ]);

      const events = emu.queuedWebhookEvents();
      expect(
        events.map((e) => [
          e.subscriptionType,
          String(e.objectId),
          e.propertyName,
        ]),
      ).toEqual([
        ["contact.creation", primary.id, undefined],
        ["contact.creation", merged.id, undefined],
        ["contact.propertyChange", primary.id, "lastname"],
        ["deal.creation", deal.id, undefined],
        ["contact.merge", primary.id, undefined],
        ["company.deletion", company.id, undefined],
      ]);
      expect(events[2]).toMatchObject({
        propertyValue: "Prime",
        changeSource: "CRM_UI",
        subscriptionId: 1000002,
      });
      expect(events[4]).toMatchObject({
        primaryObjectId: Number(primary.id),
        mergedObjectIds: [Number(merged.id)],
        newObjectId: Number(primary.id),
        numberOfPropertiesMoved: 1,
        changeSource: "CRM_UI",
      });
      expect(() =>
        emu.uiUpdate("contacts", "999999", { firstname: "x" }),
      ).toThrow(/not found/i);
    });

    it("notifyApiChanges: false gives no events for API writes; true gives INTEGRATION events", async () => {
      configure();
      const id = await apiContact({ email: "api@example.com" });
      await patch(emu.url, `/crm/v3/objects/contacts/${id}`, {
        properties: { firstname: "Api" },
      });
      await post(emu.url, "/crm/v3/objects/contacts/batch/update", {
        inputs: [{ id, properties: { lastname: "Write" } }],
      });
      await call(emu.url, `/crm/v3/objects/contacts/${id}`, {
        method: "DELETE",
      });
      expect(emu.queuedWebhookEvents()).toEqual([]);
      expect((await emu.deliverWebhooks()).requests).toEqual([]);
      expect(received).toHaveLength(0);

      configure({ notifyApiChanges: true });
      const id2 = await apiContact({ email: "echo@example.com" });
      await post(emu.url, "/crm/v3/objects/contacts/batch/upsert", {
        inputs: [
          {
            idProperty: "email",
            id: "echo@example.com",
            properties: { firstname: "Echo" },
          },
        ],
      });
      emu.uiUpdate("contacts", id2, { lastname: "Person" });
      await call(emu.url, `/crm/v3/objects/contacts/${id2}`, {
        method: "DELETE",
      });

      const events = emu.queuedWebhookEvents();
      expect(
        events.map((e) => [
          e.subscriptionType,
          e.propertyName,
          e.propertyValue,
          e.changeSource,
          e.sourceId,
        ]),
      ).toEqual([
        [
          "contact.creation",
          undefined,
          undefined,
          "INTEGRATION",
          String(DEFAULT_APP_ID),
        ],
        [
          "contact.propertyChange",
          "firstname",
          "Echo",
          "INTEGRATION",
          String(DEFAULT_APP_ID),
        ],
        ["contact.propertyChange", "lastname", "Person", "CRM_UI", undefined],
        [
          "contact.deletion",
          undefined,
          undefined,
          "INTEGRATION",
          String(DEFAULT_APP_ID),
        ],
      ]);
      expect(events.every((e) => e.objectId === Number(id2))).toBe(true);
      const { requests } = await emu.deliverWebhooks();
      expect(requests).toHaveLength(1);
      expect(received[0].events.map((e) => e.changeSource)).toEqual([
        "INTEGRATION",
        "INTEGRATION",
        "CRM_UI",
        "INTEGRATION",
      ]);
    });

    it("the start option notifyApiChanges is the default of every configuration", async () => {
      const echo = await startHubSpotEmulator({ notifyApiChanges: true });
      try {
        const snap = echo.configureWebhooks({
          targetUrl,
          clientSecret: SECRET,
          subscriptions: ["company.creation"],
        });
        expect(snap.config).toMatchObject({
          notifyApiChanges: true,
          signatureVersion: "v3",
          maxEventsPerRequest: 100,
          timeoutMs: 5000,
        });
        expect(JSON.stringify(snap)).not.toContain(SECRET);
        await post(echo.url, "/crm/v3/objects/companies", {
          properties: { name: "Co" },
        });
        expect(echo.queuedWebhookEvents()).toEqual([
          expect.objectContaining({
            subscriptionType: "company.creation",
            changeSource: "INTEGRATION",
          }),
        ]);
      } finally {
        await echo.close();
      }
    });
  });

  describe("control endpoints", () => {
    it("configure, UI changes, deliver and send over HTTP; bad configurations are 400; reset clears it all", async () => {
      const bad = await post(emu.url, "/__emulator/webhooks", {
        targetUrl,
        clientSecret: SECRET,
        subscriptions: ["contacts.creation"],
      });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toMatch(
        /Unknown subscriptionType contacts\.creation/,
      );
      expect(
        (
          await post(emu.url, "/__emulator/webhooks", {
            targetUrl,
            subscriptions: [],
          })
        ).status,
      ).toBe(400);

      const ok = await post(emu.url, "/__emulator/webhooks", {
        targetUrl,
        clientSecret: SECRET,
        subscriptions: [
          "contact.creation",
          "contact.propertyChange",
          "contact.merge",
          "contact.deletion",
        ],
        retryDelaysMs: [],
      });
      expect(ok.status).toBe(200);
      expect(ok.body.config).toMatchObject({
        targetUrl,
        retryDelaysMs: [],
        clientSecretFingerprint: expect.stringMatching(/^[0-9a-f]{12}$/),
      });

      const created = await post(emu.url, "/__emulator/ui/create", {
        objectType: "contacts",
        properties: { email: "ctl@example.com" },
      });
      expect(created.status).toBe(201);
      const other = await post(emu.url, "/__emulator/ui/create", {
        objectType: "0-1",
        properties: { email: "other@example.com", firstname: "O" },
      });
      const at = "2029-06-01T12:00:00.000Z";
      const updated = await post(emu.url, "/__emulator/ui/update", {
        objectType: "contact",
        id: created.body.id,
        properties: { firstname: "Ctl" },
        at,
        sourceId: "userId:9",
      });
      expect(updated.status).toBe(200);
      expect(updated.body.properties.firstname).toBe("Ctl");
      expect(
        (
          await post(emu.url, "/__emulator/ui/update", {
            objectType: "contacts",
            id: "1",
            properties: {},
          })
        ).status,
      ).toBe(404);
      expect(
        (
          await post(emu.url, "/__emulator/ui/update", {
            objectType: "contacts",
            id: created.body.id,
            properties: { lifecyclestage: "nope" },
          })
        ).status,
      ).toBe(400);
      const merge = await post(emu.url, "/__emulator/ui/merge", {
        objectType: "contacts",
        primaryId: created.body.id,
        mergedId: other.body.id,
      });
      expect(merge.body.properties.hs_merged_object_ids).toBe(other.body.id);
      const deleted = await post(emu.url, "/__emulator/ui/delete", {
        objectType: "contacts",
        id: created.body.id,
      });
      expect(deleted.body.id).toBe(created.body.id);

      const queued = (await call(emu.url, "/__emulator/webhooks")).body.queued;
      expect(
        queued.map((e: HubSpotWebhookEvent) => e.subscriptionType),
      ).toEqual([
        "contact.creation",
        "contact.creation",
        "contact.propertyChange",
        "contact.merge",
        "contact.deletion",
      ]);
      expect(queued[2]).toMatchObject({
        occurredAt: Date.parse(at),
        sourceId: "userId:9",
        changeSource: "CRM_UI",
      });

      responder = () => 502;
      const delivered = await post(emu.url, "/__emulator/webhooks/deliver", {});
      expect(delivered.body.requests).toEqual([
        expect.objectContaining({
          status: 502,
          attemptNumber: 0,
          dropped: true,
          eventIds: queued.map((e: HubSpotWebhookEvent) => e.eventId),
        }),
      ]);
      responder = () => 200;
      const sent = await post(emu.url, "/__emulator/webhooks/send", {
        events: [queued[0]],
        tamperBody: true,
      });
      expect(sent.body).toEqual({ status: 200, body: '{"received":1}' });
      expect(verifiesV3(received[1])).toBe(false);
      expect(
        (await post(emu.url, "/__emulator/clock", { advanceMs: 1500 })).body
          .offsetMs,
      ).toBe(1500);

      const state = (await call(emu.url, "/__emulator/state?log=0")).body;
      expect(state.webhooks.deliveries).toHaveLength(1);
      expect(state.clock.offsetMs).toBe(1500);

      expect((await post(emu.url, "/__emulator/reset", {})).status).toBe(200);
      expect((await call(emu.url, "/__emulator/webhooks")).body).toEqual({
        config: null,
        queued: [],
        deliveries: [],
      });
      expect((await call(emu.url, "/__emulator/clock")).body.offsetMs).toBe(0);
      expect(
        (await post(emu.url, "/__emulator/webhooks/deliver", {})).status,
      ).toBe(400);
      // eventIds stay unique across reset().
      configure({ subscriptions: ["contact.creation"] });
      const next = emu.uiCreate("contacts", { email: "n@example.com" });
      expect(next.id).toBe("1001");
      expect(emu.queuedWebhookEvents()[0].eventId).toBeGreaterThan(
        queued[4].eventId,
      );
    });
  });
});
