import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";

import type { HubSpotEmulator } from "../emulators/hubspot/server";
import {
  DEFAULT_TOKEN,
  startHubSpotEmulator,
} from "../emulators/hubspot/server";

interface Reply {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

async function call(
  base: string,
  p: string,
  init: { method?: string; body?: unknown; token?: string | null } = {},
): Promise<Reply> {
  const { token = DEFAULT_TOKEN, method = "GET", body } = init;
  const headers: Record<string, string> = {
    "content-type": "application/json",
  };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${base}${p}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text ? JSON.parse(text) : undefined,
  };
}

const post = async (
  base: string,
  p: string,
  body: unknown,
  token?: string | null,
) => await call(base, p, { method: "POST", body, token });
const put = async (base: string, p: string, body: unknown) =>
  await call(base, p, { method: "PUT", body });
const sleep = async (ms: number) => await new Promise((r) => setTimeout(r, ms));

const UPSERT = "/crm/v3/objects/contacts/batch/upsert";
const emailInput = (
  email: string,
  properties: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) => ({
  idProperty: "email",
  id: email,
  properties,
  ...extra,
});

describe("HubSpot emulator", () => {
  let emu: HubSpotEmulator;

  beforeAll(async () => {
    // These tests read batch answers by position; the default shuffle has its own test below.
    emu = await startHubSpotEmulator({ orderedResults: true });
  });
  afterAll(async () => {
    await emu.close();
  });
  beforeEach(() => emu.reset());

  describe("auth", () => {
    it("rejects missing, unknown and revoked tokens with HubSpot 401 body", async () => {
      for (const token of [null, "pat-wrong"]) {
        const r = await call(emu.url, "/crm/v3/objects/contacts?limit=1", {
          token,
        });
        expect(r.status).toBe(401);
        expect(r.headers.get("content-type")).toMatch(/application\/json/);
        expect(r.body).toEqual({
          status: "error",
          message: expect.stringMatching(
            /^Authentication credentials not found\./,
          ),
          correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
          category: "INVALID_AUTHENTICATION",
        });
      }
      expect(
        (await call(emu.url, "/crm/v3/objects/contacts?limit=1")).status,
      ).toBe(200);
      emu.setFaults({ revokedTokens: [DEFAULT_TOKEN] });
      expect(
        (await call(emu.url, "/crm/v3/objects/contacts?limit=1")).status,
      ).toBe(401);
      const faults = await post(
        emu.url,
        "/__emulator/faults",
        { revokedTokens: [] },
        null,
      );
      expect(faults.body.revokedTokenFingerprints).toEqual([]);
      expect(
        (await call(emu.url, "/crm/v3/objects/contacts?limit=1")).status,
      ).toBe(200);
    });

    it("never writes the token to the request log or state", async () => {
      await call(emu.url, "/crm/v3/objects/contacts?limit=1");
      await post(emu.url, UPSERT, { inputs: [emailInput("a@x.com")] });
      await call(emu.url, "/crm/v3/objects/contacts?limit=1", {
        token: "pat-secret-unknown",
      });
      const log = emu.requests();
      expect(log.map((e) => [e.method, e.path, e.status])).toEqual([
        ["GET", "/crm/v3/objects/contacts", 200],
        ["POST", UPSERT, 200],
        ["GET", "/crm/v3/objects/contacts", 401],
      ]);
      expect(log[0].query).toEqual({ limit: "1" });
      expect(log[1].inputCount).toBe(1);
      expect(log[0].tokenFingerprint).toMatch(/^[0-9a-f]{12}$/);
      const overHttp = await call(emu.url, "/__emulator/requests", {
        token: null,
      });
      const state = await call(emu.url, "/__emulator/state", { token: null });
      for (const text of [
        JSON.stringify(log),
        JSON.stringify(overHttp.body),
        JSON.stringify(state.body),
      ]) {
        expect(text).not.toContain(DEFAULT_TOKEN);
        expect(text).not.toContain("pat-secret-unknown");
      }
      expect(overHttp.body.entries).toHaveLength(3);
      expect(
        (
          await call(emu.url, "/__emulator/requests?status=401", {
            token: null,
          })
        ).body.entries,
      ).toHaveLength(1);
    });
  });

  describe("objects", () => {
    it("upserts by email case-insensitively: create then update the same id", async () => {
      const first = await post(emu.url, UPSERT, {
        inputs: [
          emailInput("jane@x.com", {
            firstname: "Jane",
            contact_total_events_attended: 1,
          }),
        ],
      });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({
        status: "COMPLETE",
        startedAt: expect.any(String),
        completedAt: expect.any(String),
      });
      const [created] = first.body.results;
      expect(created).toMatchObject({
        id: expect.stringMatching(/^\d+$/),
        new: true,
        archived: false,
        properties: {
          email: "jane@x.com",
          firstname: "Jane",
          contact_total_events_attended: "1",
          hs_object_id: created.id,
        },
      });

      const second = await post(emu.url, UPSERT, {
        inputs: [
          emailInput("JANE@X.COM", {
            lastname: "Doe",
            contact_total_events_attended: "2",
          }),
        ],
      });
      expect(second.status).toBe(200);
      expect(second.body.results[0]).toMatchObject({
        id: created.id,
        new: false,
      });
      expect(emu.objects("contacts")).toHaveLength(1);
      expect(emu.objects("contacts")[0].properties).toMatchObject({
        email: "jane@x.com",
        firstname: "Jane",
        lastname: "Doe",
        contact_total_events_attended: "2",
      });

      const got = await call(emu.url, `/crm/v3/objects/contacts/${created.id}`);
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({
        id: created.id,
        archived: false,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(Object.keys(got.body.properties)).toEqual(
        expect.arrayContaining([
          "hs_object_id",
          "createdate",
          "lastmodifieddate",
        ]),
      );
      const byEmail = await call(
        emu.url,
        "/crm/v3/objects/contacts/Jane%40X.com?idProperty=email",
      );
      expect(byEmail.body.id).toBe(created.id);

      const missing = await call(emu.url, "/crm/v3/objects/contacts/999999");
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({
        status: "error",
        category: "OBJECT_NOT_FOUND",
        correlationId: expect.any(String),
      });

      const dupes = await post(emu.url, UPSERT, {
        inputs: [emailInput("a@x.com"), emailInput("A@x.com")],
      });
      expect(dupes.status).toBe(400);
    });

    it("rejects more than 100 inputs with a VALIDATION_ERROR 400", async () => {
      const inputs = Array.from({ length: 101 }, (_, i) =>
        emailInput(`u${i}@x.com`),
      );
      const r = await post(emu.url, UPSERT, { inputs });
      expect(r.status).toBe(400);
      expect(r.body).toEqual({
        status: "error",
        message: expect.stringMatching(/^Batch input limit exceeded: /),
        category: "VALIDATION_ERROR",
        correlationId: expect.any(String),
      });
      expect(emu.objects("contacts")).toHaveLength(0);
      expect(
        (await post(emu.url, UPSERT, { inputs: inputs.slice(0, 100) })).status,
      ).toBe(200);
      expect(emu.objects("contacts")).toHaveLength(100);
      expect(emu.requests({ status: 400 })[0].inputCount).toBe(101);
    });

    it("batch400 mode: one invalid value rejects the whole batch and nothing is written", async () => {
      const r = await post(emu.url, UPSERT, {
        inputs: [
          emailInput("good@x.com", { firstname: "Good" }),
          emailInput(
            "bad@x.com",
            { contact_total_events_attended: "lots" },
            { objectWriteTraceId: "t-bad" },
          ),
        ],
      });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({
        status: "error",
        category: "VALIDATION_ERROR",
        correlationId: expect.any(String),
      });
      expect(r.body.message).toMatch(/^Property values were not valid: /);
      const items = JSON.parse(
        String(r.body.message).replace("Property values were not valid: ", ""),
      );
      expect(items).toEqual([
        {
          isValid: false,
          message: expect.any(String),
          error: "INVALID_INTEGER",
          name: "contact_total_events_attended",
        },
      ]);
      expect(emu.objects("contacts")).toHaveLength(0);

      for (const properties of [
        { no_such_property: "x" },
        { contact_recent_event_date: "2024-13-45" },
        { contact_recent_event_date: String(Date.UTC(2024, 0, 2, 10)) },
        { lifecyclestage: "vip" },
      ]) {
        const bad = await post(emu.url, UPSERT, {
          inputs: [emailInput("x@x.com", properties)],
        });
        expect(bad.status).toBe(400);
      }
      const badEmail = await post(
        emu.url,
        "/crm/v3/objects/contacts/batch/create",
        { inputs: [{ properties: { email: "not-an-email" } }] },
      );
      expect(badEmail.status).toBe(400);
      expect(badEmail.body.message).toContain("INVALID_EMAIL");

      const okDates = await post(emu.url, UPSERT, {
        inputs: [
          emailInput("d@x.com", {
            contact_recent_event_date: "2024-03-05",
            contact_first_event_date: Date.UTC(2023, 5, 1),
            lifecyclestage: "lead",
          }),
        ],
      });
      expect(okDates.status).toBe(200);
      expect(okDates.body.results[0].properties).toMatchObject({
        contact_recent_event_date: "2024-03-05",
        contact_first_event_date: "2023-06-01",
      });
    });

    it("perInput207 mode: good inputs are written, bad ones come back as errors with objectWriteTraceId", async () => {
      emu.setFaults({ invalidMode: "perInput207" });
      const r = await post(emu.url, UPSERT, {
        inputs: [
          emailInput(
            "good@x.com",
            { firstname: "Good" },
            { objectWriteTraceId: "t-good" },
          ),
          emailInput(
            "bad@x.com",
            { contact_total_events_attended: "lots" },
            { objectWriteTraceId: "t-bad" },
          ),
        ],
      });
      expect(r.status).toBe(207);
      expect(r.body).toMatchObject({ status: "COMPLETE", numErrors: 1 });
      expect(r.body.results).toEqual([
        expect.objectContaining({ new: true, objectWriteTraceId: "t-good" }),
      ]);
      expect(r.body.errors).toEqual([
        {
          status: "error",
          category: "VALIDATION_ERROR",
          message: expect.stringContaining("INVALID_INTEGER"),
          context: expect.objectContaining({
            propertyName: ["contact_total_events_attended"],
            id: ["bad@x.com"],
          }),
          objectWriteTraceId: "t-bad",
        },
      ]);
      expect(emu.objects("contacts").map((c) => c.properties.email)).toEqual([
        "good@x.com",
      ]);
    });

    it("batch create returns 201; batch read returns 207 with OBJECT_NOT_FOUND for missing ids", async () => {
      const created = await post(
        emu.url,
        "/crm/v3/objects/contacts/batch/create",
        {
          inputs: [
            { properties: { email: "a@x.com", firstname: "A" } },
            { properties: { email: "b@x.com", firstname: "B" } },
          ],
        },
      );
      expect(created.status).toBe(201);
      const ids = created.body.results.map((r: { id: string }) => r.id);

      const all = await post(emu.url, "/crm/v3/objects/contacts/batch/read", {
        inputs: ids.map((id: string) => ({ id })),
        properties: ["firstname"],
      });
      expect(all.status).toBe(200);
      expect(
        all.body.results.map(
          (r: { properties: Record<string, string> }) => r.properties.firstname,
        ),
      ).toEqual(["A", "B"]);
      expect(all.body.results[0].properties.email).toBeUndefined();

      const some = await post(emu.url, "/crm/v3/objects/contacts/batch/read", {
        idProperty: "email",
        inputs: [{ id: "A@X.com" }, { id: "nobody@x.com" }],
        properties: ["email"],
      });
      expect(some.status).toBe(207);
      expect(some.body).toMatchObject({
        status: "COMPLETE",
        numErrors: 1,
        results: [expect.objectContaining({ id: ids[0] })],
        errors: [
          {
            status: "error",
            category: "OBJECT_NOT_FOUND",
            message: expect.any(String),
            context: { ids: ["nobody@x.com"] },
          },
        ],
      });

      const conflict = await post(
        emu.url,
        "/crm/v3/objects/contacts/batch/create",
        { inputs: [{ properties: { email: "A@x.com" } }] },
      );
      expect(conflict.status).toBe(409);
    });

    it("lists with an after cursor and works for companies, deals and custom object ids", async () => {
      await post(emu.url, "/crm/v3/objects/contacts/batch/create", {
        inputs: [1, 2, 3].map((i) => ({
          properties: { email: `p${i}@x.com` },
        })),
      });
      const page1 = await call(emu.url, "/crm/v3/objects/contacts?limit=2");
      expect(page1.body.results).toHaveLength(2);
      const after = page1.body.paging.next.after;
      const page2 = await call(
        emu.url,
        `/crm/v3/objects/contacts?limit=2&after=${after}`,
      );
      expect(page2.body.results).toHaveLength(1);
      expect(page2.body.paging).toBeUndefined();

      for (const type of ["companies", "deals", "2-123"]) {
        const r = await post(emu.url, `/crm/v3/objects/${type}/batch/create`, {
          inputs: [{ properties: { name: "Anything", custom_x: "1" } }],
        });
        expect(r.status).toBe(201);
        expect(emu.objects(type)).toHaveLength(1);
      }
      expect(
        (await call(emu.url, "/crm/v3/objects/not-a-type?limit=1")).status,
      ).toBe(400);
      const unknown = await call(emu.url, "/crm/v9/nothing");
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject({
        status: "error",
        correlationId: expect.any(String),
      });
    });

    it("batch-creates notes with inline associations", async () => {
      const c = await post(emu.url, UPSERT, {
        inputs: [emailInput("n@x.com")],
      });
      const contactId = c.body.results[0].id;
      const r = await post(emu.url, "/crm/v3/objects/notes/batch/create", {
        inputs: [
          {
            properties: {
              hs_timestamp: "2024-05-01T10:00:00Z",
              hs_note_body: "Attended the event",
            },
            associations: [
              {
                to: { id: contactId },
                types: [
                  {
                    associationCategory: "HUBSPOT_DEFINED",
                    associationTypeId: 202,
                  },
                ],
              },
            ],
          },
        ],
      });
      expect(r.status).toBe(201);
      expect(r.body.results[0].properties).toMatchObject({
        hs_note_body: "Attended the event",
        hs_timestamp: "2024-05-01T10:00:00.000Z",
      });
      expect(emu.state.associations).toEqual([
        expect.objectContaining({
          fromType: "notes",
          fromId: r.body.results[0].id,
          toType: "contacts",
          toId: contactId,
        }),
      ]);
    });
  });

  describe("associations v4", () => {
    it("batch creates associations (201) and caps the batch at 2000 inputs", async () => {
      const contacts = await post(
        emu.url,
        "/crm/v3/objects/contacts/batch/create",
        { inputs: [{ properties: { email: "c@x.com" } }] },
      );
      const companies = await post(
        emu.url,
        "/crm/v3/objects/companies/batch/create",
        { inputs: [{ properties: { name: "Acme" } }] },
      );
      const contactId = contacts.body.results[0].id;
      const companyId = companies.body.results[0].id;
      const types = [
        { associationCategory: "HUBSPOT_DEFINED", associationTypeId: 279 },
      ];
      const r = await post(
        emu.url,
        "/crm/v4/associations/contacts/companies/batch/create",
        {
          inputs: [{ from: { id: contactId }, to: { id: companyId }, types }],
        },
      );
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({
        status: "COMPLETE",
        results: [
          {
            fromObjectTypeId: "0-1",
            fromObjectId: Number(contactId),
            toObjectTypeId: "0-2",
            toObjectId: Number(companyId),
          },
        ],
      });
      const state = await call(emu.url, "/__emulator/state", { token: null });
      expect(state.body.associations).toEqual([
        expect.objectContaining({
          fromType: "contacts",
          fromId: contactId,
          toType: "companies",
          toId: companyId,
          types,
        }),
      ]);

      const partial = await post(
        emu.url,
        "/crm/v4/associations/contacts/companies/batch/create",
        {
          inputs: [{ from: { id: contactId }, to: { id: "424242" }, types }],
        },
      );
      expect(partial.status).toBe(207);
      expect(partial.body.numErrors).toBe(1);

      const tooMany = Array.from({ length: 2001 }, () => ({
        from: { id: contactId },
        to: { id: companyId },
        types,
      }));
      const over = await post(
        emu.url,
        "/crm/v4/associations/contacts/companies/batch/create",
        { inputs: tooMany },
      );
      expect(over.status).toBe(400);
      expect(over.body).toMatchObject({
        category: "VALIDATION_ERROR",
        message: expect.stringMatching(/^Batch input limit exceeded/),
      });
      const ok = await post(
        emu.url,
        "/crm/v4/associations/contacts/companies/batch/create",
        { inputs: tooMany.slice(0, 2000) },
      );
      expect(ok.status).toBe(201);
      expect(emu.state.associations).toHaveLength(1);
    });

    it("batch/associate/default stores HubSpot's unlabelled type per pair, 207 for missing records, 400 for pairs without a default", async () => {
      const contact = (
        await post(emu.url, "/crm/v3/objects/contacts/batch/create", {
          inputs: [{ properties: { email: "d@x.com" } }],
        })
      ).body.results[0].id;
      const company = (
        await post(emu.url, "/crm/v3/objects/companies/batch/create", {
          inputs: [{ properties: { name: "Acme" } }],
        })
      ).body.results[0].id;
      const r = await post(
        emu.url,
        "/crm/v4/associations/contacts/companies/batch/associate/default",
        {
          inputs: [
            { from: { id: contact }, to: { id: company } },
            { from: { id: contact }, to: { id: "424242" } },
          ],
        },
      );
      expect(r.status).toBe(207);
      expect(r.body.results).toEqual([
        {
          from: { id: contact },
          to: { id: company },
          associationSpec: {
            associationCategory: "HUBSPOT_DEFINED",
            associationTypeId: 279,
          },
        },
      ]);
      expect(r.body.errors[0].context).toEqual({
        fromId: [contact],
        toId: ["424242"],
      });
      expect(emu.state.associations).toEqual([
        expect.objectContaining({
          fromType: "contacts",
          toType: "companies",
          types: [
            { associationCategory: "HUBSPOT_DEFINED", associationTypeId: 279 },
          ],
        }),
      ]);
      const noDefault = await post(
        emu.url,
        "/crm/v4/associations/contacts/2-999/batch/associate/default",
        { inputs: [{ from: { id: contact }, to: { id: "1" } }] },
      );
      expect(noDefault.status).toBe(400);
      expect(noDefault.body.message).toMatch(/No default association type/);
    });
  });

  describe("custom object schemas and unique upsert ids", () => {
    it("POST /crm/v3/schemas defines a custom object whose records and properties live under its objectTypeId", async () => {
      const created = await post(emu.url, "/crm/v3/schemas", {
        name: "pets",
        labels: { singular: "Pet", plural: "Pets" },
        primaryDisplayProperty: "pet_name",
        requiredProperties: ["pet_name"],
        properties: [
          { name: "pet_name", label: "Pet name", type: "string" },
          {
            name: "chip_id",
            label: "Chip ID",
            type: "string",
            hasUniqueValue: true,
          },
        ],
      });
      expect(created.status).toBe(201);
      const typeId = created.body.objectTypeId;
      expect(typeId).toMatch(/^2-\d+$/);
      expect(created.body.fullyQualifiedName).toBe("p99999999_pets");
      const listed = await call(emu.url, "/crm/v3/schemas");
      expect(listed.body.results.map((s: { objectTypeId: string }) => s.objectTypeId)).toEqual([typeId]);
      const props = await call(emu.url, `/crm/v3/properties/${typeId}`);
      expect(
        props.body.results.map((p: { name: string; hasUniqueValue: boolean }) => [p.name, p.hasUniqueValue]),
      ).toEqual([
        ["pet_name", false],
        ["chip_id", true],
      ]);
      const upsert = await post(emu.url, `/crm/v3/objects/${typeId}/batch/upsert`, {
        inputs: [{ idProperty: "chip_id", id: "C-1", properties: { pet_name: "Rex" } }],
      });
      expect(upsert.status).toBe(200);
      expect(upsert.body.results[0]).toMatchObject({ new: true, properties: { chip_id: "C-1", pet_name: "Rex" } });
      expect(emu.objects(typeId)).toHaveLength(1);
      const again = await post(emu.url, "/crm/v3/schemas", {
        name: "Pets",
        labels: { singular: "Pet", plural: "Pets" },
      });
      expect(again.status).toBe(409);
    });

    it("upsert accepts only a property with hasUniqueValue (or email for contacts) as idProperty", async () => {
      const byDomain = await post(emu.url, "/crm/v3/objects/companies/batch/upsert", {
        inputs: [{ idProperty: "domain", id: "acme.com", properties: { name: "Acme" } }],
      });
      expect(byDomain.status).toBe(400);
      expect(byDomain.body.message).toMatch(/domain is not a unique identifier property of companies/);
      const prop = await post(emu.url, "/crm/v3/properties/companies", {
        name: "erp_id",
        label: "ERP ID",
        type: "string",
        fieldType: "text",
        groupName: "companyinformation",
        hasUniqueValue: true,
      });
      expect(prop.body.hasUniqueValue).toBe(true);
      const byErp = await post(emu.url, "/crm/v3/objects/companies/batch/upsert", {
        inputs: [{ idProperty: "erp_id", id: "E-1", properties: { name: "Acme" } }],
      });
      expect(byErp.status).toBe(200);
      expect(emu.objects("companies")).toHaveLength(1);
    });
  });

  describe("properties", () => {
    it("lists the contact catalogue; creates groups and properties, 409 on repeat", async () => {
      const list = await call(emu.url, "/crm/v3/properties/contacts");
      expect(list.status).toBe(200);
      const names = list.body.results.map((p: { name: string }) => p.name);
      expect(names).toEqual(
        expect.arrayContaining([
          "email",
          "contact_total_events_attended",
          "contact_first_event_date",
        ]),
      );
      expect(
        list.body.results.find(
          (p: { name: string }) => p.name === "contact_total_events_attended",
        ),
      ).toMatchObject({
        type: "number",
        fieldType: "number",
        groupName: expect.any(String),
        label: expect.any(String),
      });

      const group = { name: "marketing_ops", label: "Marketing Ops" };
      expect(
        (await post(emu.url, "/crm/v3/properties/contacts/groups", group))
          .status,
      ).toBe(201);
      const dupGroup = await post(
        emu.url,
        "/crm/v3/properties/contacts/groups",
        group,
      );
      expect(dupGroup.status).toBe(409);
      expect(dupGroup.body).toMatchObject({
        status: "error",
        correlationId: expect.any(String),
      });
      const groups = await call(emu.url, "/crm/v3/properties/contacts/groups");
      expect(
        groups.body.results.map((g: { name: string }) => g.name),
      ).toContain("marketing_ops");

      const def = {
        name: "mops_score",
        label: "MOps score",
        type: "number",
        fieldType: "number",
        groupName: "marketing_ops",
      };
      expect(
        (
          await post(emu.url, "/crm/v3/properties/contacts", {
            ...def,
            groupName: "nope",
          })
        ).status,
      ).toBe(400);
      expect(
        (await post(emu.url, "/crm/v3/properties/contacts", def)).status,
      ).toBe(201);
      const dup = await post(emu.url, "/crm/v3/properties/contacts", def);
      expect(dup.status).toBe(409);
      expect(dup.body.category).toBe("OBJECT_ALREADY_EXISTS");

      // The new property is now writable and type-checked.
      expect(
        (
          await post(emu.url, UPSERT, {
            inputs: [emailInput("s@x.com", { mops_score: 7 })],
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await post(emu.url, UPSERT, {
            inputs: [emailInput("s@x.com", { mops_score: "high" })],
          })
        ).status,
      ).toBe(400);
    });
  });

  describe("lists v3", () => {
    it("creates, finds by name, adds, pages and removes members", async () => {
      const created = await post(emu.url, "/crm/v3/lists/", {
        name: "Event attendees",
        objectTypeId: "0-1",
        processingType: "MANUAL",
      });
      expect(created.status).toBe(200);
      expect(created.body.list).toMatchObject({
        listId: expect.any(String),
        name: "Event attendees",
        processingType: "MANUAL",
        objectTypeId: "0-1",
      });
      const listId = created.body.list.listId;
      const dup = await post(emu.url, "/crm/v3/lists/", {
        name: "Event attendees",
        objectTypeId: "0-1",
        processingType: "MANUAL",
      });
      expect([400, 409]).toContain(dup.status);

      const found = await call(
        emu.url,
        `/crm/v3/lists/object-type-id/0-1/name/${encodeURIComponent("Event attendees")}`,
      );
      expect(found.status).toBe(200);
      expect(found.body.list.listId).toBe(listId);
      const none = await call(
        emu.url,
        "/crm/v3/lists/object-type-id/0-1/name/Nope",
      );
      expect(none.status).toBe(404);
      expect(none.body.status).toBe("error");

      const contacts = await post(
        emu.url,
        "/crm/v3/objects/contacts/batch/create",
        {
          inputs: [1, 2, 3].map((i) => ({
            properties: { email: `m${i}@x.com` },
          })),
        },
      );
      const ids: string[] = contacts.body.results.map(
        (r: { id: string }) => r.id,
      );
      const added = await put(
        emu.url,
        `/crm/v3/lists/${listId}/memberships/add`,
        [...ids.map(Number), 999999],
      );
      expect(added.status).toBe(200);
      expect(added.body).toEqual({
        recordsIdsAdded: ids,
        recordIdsMissing: ["999999"],
      });
      expect(emu.requests({ method: "PUT" })[0].inputCount).toBe(4);

      const page1 = await call(
        emu.url,
        `/crm/v3/lists/${listId}/memberships?limit=2`,
      );
      expect(
        page1.body.results.map((r: { recordId: string }) => r.recordId),
      ).toEqual(ids.slice(0, 2));
      const page2 = await call(
        emu.url,
        `/crm/v3/lists/${listId}/memberships?limit=2&after=${page1.body.paging.next.after}`,
      );
      expect(
        page2.body.results.map((r: { recordId: string }) => r.recordId),
      ).toEqual([ids[2]]);

      const removed = await put(
        emu.url,
        `/crm/v3/lists/${listId}/memberships/remove`,
        [ids[0]],
      );
      expect(removed.status).toBe(200);
      expect(removed.body.recordIdsRemoved).toEqual([ids[0]]);
      const state = await call(emu.url, "/__emulator/state", { token: null });
      expect(state.body.memberships[listId]).toEqual(ids.slice(1));
      expect(
        (await put(emu.url, "/crm/v3/lists/777/memberships/add", [ids[0]]))
          .status,
      ).toBe(404);
    });
  });

  describe("rate limits", () => {
    let tight: HubSpotEmulator;
    beforeAll(async () => {
      tight = await startHubSpotEmulator({ limitPer10s: 5, windowMs: 500 });
    });
    afterAll(async () => {
      await tight.close();
    });
    beforeEach(() => tight.reset());

    it("has HubSpot rate-limit headers with the documented defaults", async () => {
      const r = await call(emu.url, "/crm/v3/objects/contacts?limit=1");
      expect(r.headers.get("x-hubspot-ratelimit-max")).toBe("190");
      expect(r.headers.get("x-hubspot-ratelimit-remaining")).toBe("189");
      expect(r.headers.get("x-hubspot-ratelimit-interval-milliseconds")).toBe(
        "10000",
      );
      expect(r.headers.get("x-hubspot-ratelimit-daily")).toBe("250000");
      expect(r.headers.get("x-hubspot-ratelimit-daily-remaining")).toBe(
        "249999",
      );
    });

    it("rejects the 6th request in a 5-per-window rolling window, then recovers", async () => {
      const replies: Reply[] = [];
      for (let i = 0; i < 6; i++)
        replies.push(await call(tight.url, "/crm/v3/objects/contacts?limit=1"));
      expect(replies.map((r) => r.status)).toEqual([
        200, 200, 200, 200, 200, 429,
      ]);
      expect(
        replies.map((r) => r.headers.get("x-hubspot-ratelimit-remaining")),
      ).toEqual(["4", "3", "2", "1", "0", "0"]);
      for (const r of replies)
        expect(r.headers.get("x-hubspot-ratelimit-max")).toBe("5");
      expect(replies[5].body).toEqual({
        status: "error",
        message: "You have reached your ten_secondly_rolling limit.",
        errorType: "RATE_LIMIT",
        correlationId: expect.any(String),
        policyName: "TEN_SECONDLY_ROLLING",
        groupName: expect.stringMatching(/^publicapi:private-app:/),
      });
      expect(replies[5].body.groupName).not.toContain(DEFAULT_TOKEN);
      expect(tight.requests({ status: 429 })[0].policyName).toBe(
        "TEN_SECONDLY_ROLLING",
      );
      await sleep(550);
      const after = await call(tight.url, "/crm/v3/objects/contacts?limit=1");
      expect(after.status).toBe(200);
      expect(after.headers.get("x-hubspot-ratelimit-remaining")).toBe("4");
    });

    it("windows are per token", async () => {
      tight.setFaults({ tokens: ["pat-second"] });
      for (let i = 0; i < 5; i++)
        await call(tight.url, "/crm/v3/objects/contacts?limit=1");
      expect(
        (await call(tight.url, "/crm/v3/objects/contacts?limit=1")).status,
      ).toBe(429);
      expect(
        (
          await call(tight.url, "/crm/v3/objects/contacts?limit=1", {
            token: "pat-second",
          })
        ).status,
      ).toBe(200);
    });

    it("enforces the daily limit with a DAILY 429", async () => {
      emu.setFaults({ dailyLimit: 3 });
      const replies: Reply[] = [];
      for (let i = 0; i < 4; i++)
        replies.push(await call(emu.url, "/crm/v3/objects/contacts?limit=1"));
      expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 429]);
      expect(
        replies.map((r) =>
          r.headers.get("x-hubspot-ratelimit-daily-remaining"),
        ),
      ).toEqual(["2", "1", "0", "0"]);
      expect(replies[3].headers.get("x-hubspot-ratelimit-daily")).toBe("3");
      expect(replies[3].body).toMatchObject({
        status: "error",
        message: "You have reached your daily limit.",
        errorType: "RATE_LIMIT",
        policyName: "DAILY",
      });
      const state = await call(emu.url, "/__emulator/state?log=0", {
        token: null,
      });
      expect(state.body.counters).toMatchObject({
        accepted: 3,
        dailyLimited: 1,
      });
      expect(state.body.log).toBeUndefined();
    });
  });

  describe("legacy v1 (n8n's built-in HubSpot node)", () => {
    const V1 = "/contacts/v1/contact/createOrUpdate/email/";
    const v1Props = (props: Record<string, unknown>) => ({
      properties: Object.entries(props).map(([property, value]) => ({
        property,
        value,
      })),
    });

    it("createOrUpdate: 200 {vid, isNew} create then update by email (case-insensitive), profile in v1 shape", async () => {
      const created = await post(
        emu.url,
        `${V1}${encodeURIComponent("Ada@Example.com")}`,
        v1Props({ firstname: "Ada", lastname: "Lovelace", company: "Engines" }),
      );
      expect(created.status).toBe(200);
      expect(created.body).toEqual({ vid: expect.any(Number), isNew: true });
      expect(created.headers.get("x-hubspot-ratelimit-max")).toBe("190");
      const vid = created.body.vid as number;

      const updated = await post(
        emu.url,
        `${V1}ada@example.com`,
        v1Props({ jobtitle: "Analyst", firstname: "Augusta" }),
      );
      expect(updated.status).toBe(200);
      expect(updated.body).toEqual({ vid, isNew: false });
      expect(emu.objects("contacts")).toHaveLength(1);
      expect(emu.objects("contacts")[0].properties).toMatchObject({
        email: "ada@example.com",
        firstname: "Augusta",
        lastname: "Lovelace",
        company: "Engines",
        jobtitle: "Analyst",
      });
      // The same contact through the v3 API.
      const v3 = await call(
        emu.url,
        `/crm/v3/objects/contacts/ada@example.com?idProperty=email`,
      );
      expect(v3.body.id).toBe(String(vid));

      const profile = await call(
        emu.url,
        `/contacts/v1/contact/vid/${vid}/profile`,
      );
      expect(profile.status).toBe(200);
      expect(profile.body).toMatchObject({
        vid,
        "canonical-vid": vid,
        "is-contact": true,
        "portal-id": expect.any(Number),
      });
      expect(profile.body.properties.firstname.value).toBe("Augusta");
      expect(profile.body.properties.firstname.versions[0]).toMatchObject({
        value: "Augusta",
        "source-type": "API",
      });
      // v1 dates are epoch milliseconds.
      expect(profile.body.properties.createdate.value).toMatch(/^\d{13}$/);
      expect(profile.body["identity-profiles"][0].identities[0]).toMatchObject({
        type: "EMAIL",
        value: "ada@example.com",
        "is-primary": true,
      });
      const some = await call(
        emu.url,
        `/contacts/v1/contact/vid/${vid}/profile?property=email&property=company&propertyMode=value_only`,
      );
      expect(Object.keys(some.body.properties).sort()).toEqual([
        "company",
        "email",
      ]);
      expect(some.body.properties.company).toEqual({ value: "Engines" });

      const missing = await call(emu.url, "/contacts/v1/contact/vid/1/profile");
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({
        status: "error",
        message: "contact does not exist",
      });
    });

    it("createOrUpdate: 400 with validationResults for a bad email or property (nothing written), 409 CONTACT_EXISTS on an email change", async () => {
      const badEmail = await post(emu.url, `${V1}not-an-email`, v1Props({}));
      expect(badEmail.status).toBe(400);
      expect(badEmail.body).toMatchObject({
        status: "error",
        message: "Property values were not valid",
        validationResults: [
          { isValid: false, error: "INVALID_EMAIL", name: "email" },
        ],
      });
      const badProp = await post(
        emu.url,
        `${V1}grace@example.com`,
        v1Props({ firstname: "Grace", no_such_prop: "x" }),
      );
      expect(badProp.status).toBe(400);
      expect(badProp.body.validationResults).toEqual([
        expect.objectContaining({
          error: "PROPERTY_DOESNT_EXIST",
          name: "no_such_prop",
        }),
      ]);
      const noList = await post(emu.url, `${V1}grace@example.com`, {
        properties: { firstname: "Grace" },
      });
      expect(noList.status).toBe(400);
      expect(emu.objects("contacts")).toHaveLength(0);

      const a = await post(emu.url, `${V1}a@example.com`, v1Props({}));
      const b = await post(emu.url, `${V1}b@example.com`, v1Props({}));
      const clash = await post(
        emu.url,
        `${V1}a@example.com`,
        v1Props({ email: "B@example.com" }),
      );
      expect(clash.status).toBe(409);
      expect(clash.body).toMatchObject({
        status: "error",
        error: "CONTACT_EXISTS",
        identityProfile: { vid: b.body.vid },
      });
      const moved = await post(
        emu.url,
        `${V1}a@example.com`,
        v1Props({ email: "a2@example.com" }),
      );
      expect(moved.body).toEqual({ vid: a.body.vid, isNew: false });
      const again = await post(emu.url, `${V1}a2@example.com`, v1Props({}));
      expect(again.body).toEqual({ vid: a.body.vid, isNew: false });
      expect(emu.objects("contacts")).toHaveLength(2);
    });

    it("shares the rolling window and 429 body/headers with the v3 API; credential-test calls answer", async () => {
      const tight = await startHubSpotEmulator({
        limitPer10s: 3,
        windowMs: 400,
      });
      try {
        const replies = [
          await call(tight.url, "/account-info/v3/details"),
          await post(tight.url, `${V1}x@example.com`, v1Props({})),
          await call(tight.url, "/deals/v1/deal/paged?limit=1"),
          await post(tight.url, `${V1}y@example.com`, v1Props({})),
        ];
        expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 429]);
        expect(replies[0].body).toMatchObject({
          portalId: expect.any(Number),
          timeZone: expect.any(String),
        });
        expect(replies[2].body).toEqual({
          deals: [],
          hasMore: false,
          offset: 0,
        });
        expect(replies[3].body).toMatchObject({
          errorType: "RATE_LIMIT",
          policyName: "TEN_SECONDLY_ROLLING",
        });
        expect(replies[3].headers.get("retry-after")).toBe("1");
        expect(replies[3].headers.get("x-hubspot-ratelimit-remaining")).toBe(
          "0",
        );
        expect(tight.state.counters.rateLimited).toBe(1);
        expect(tight.objects("contacts")).toHaveLength(1);
        await sleep(450);
        expect(
          (await post(tight.url, `${V1}y@example.com`, v1Props({}))).body.isNew,
        ).toBe(true);
      } finally {
        await tight.close();
      }
    });

    it("tls option: the same emulator also answers HTTPS with the given certificate", async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { makeTlsFiles } = require("../bench/hubspot-tls.js") as {
        makeTlsFiles: (
          dir: string,
          hosts?: string[],
        ) => { ca: string; key: string; cert: string; dir: string };
      };
      const dir = mkdtempSync(path.join(tmpdir(), "hubspot-tls-"));
      try {
        const tls = makeTlsFiles(dir, ["api.hubapi.com"]);
        const secure = await startHubSpotEmulator({
          tls: { key: tls.key, cert: tls.cert },
        });
        try {
          expect(secure.httpsUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
          const reply = await new Promise<{ status: number; body: string }>(
            (resolve, reject) => {
              const req = https.request(
                `${secure.httpsUrl}${V1}tls@example.com`,
                {
                  method: "POST",
                  ca: tls.ca,
                  servername: "api.hubapi.com",
                  headers: {
                    authorization: `Bearer ${DEFAULT_TOKEN}`,
                    "content-type": "application/json",
                  },
                },
                (res) => {
                  let body = "";
                  res.on("data", (c: Buffer) => (body += c.toString()));
                  res.on("end", () =>
                    resolve({ status: res.statusCode ?? 0, body }),
                  );
                },
              );
              req.on("error", reject);
              req.end(JSON.stringify(v1Props({ firstname: "T" })));
            },
          );
          expect(reply.status).toBe(200);
          expect(JSON.parse(reply.body)).toMatchObject({ isNew: true });
          // One state behind both listeners.
          expect(secure.objects("contacts")).toHaveLength(1);
          expect(
            (
              await call(secure.url, `${V1}tls@example.com`, {
                method: "POST",
                body: v1Props({}),
              })
            ).body.isNew,
          ).toBe(false);
        } finally {
          await secure.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("fault switches", () => {
    it("force429 / force429Daily / force5xx / latencyMs over HTTP, then reset", async () => {
      const f = await post(
        emu.url,
        "/__emulator/faults",
        { force429: 1, force429Daily: 1, force5xx: 1, retryAfterSeconds: 3 },
        null,
      );
      expect(f.body).toMatchObject({
        force429: 1,
        force429Daily: 1,
        force5xx: 1,
        retryAfterSeconds: 3,
      });
      const p = "/crm/v3/objects/contacts?limit=1";
      const a = await call(emu.url, p);
      expect(a.status).toBe(429);
      expect(a.headers.get("retry-after")).toBe("3");
      expect(a.body.policyName).toBe("TEN_SECONDLY_ROLLING");
      const b = await call(emu.url, p);
      expect(b.status).toBe(429);
      expect(b.body.policyName).toBe("DAILY");
      const c = await call(emu.url, p);
      expect(c.status).toBe(502);
      expect(c.body).toMatchObject({
        status: "error",
        message: expect.any(String),
        correlationId: expect.any(String),
      });
      expect((await call(emu.url, p)).status).toBe(200);
      expect(emu.requests().map((e) => e.policyName)).toEqual([
        "TEN_SECONDLY_ROLLING",
        "DAILY",
        undefined,
        undefined,
      ]);
      expect(emu.requests().map((e) => Boolean(e.forced))).toEqual([
        true,
        true,
        true,
        false,
      ]);

      await post(emu.url, "/__emulator/faults", { latencyMs: 120 }, null);
      const t0 = Date.now();
      await call(emu.url, p);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(110);

      expect(
        (await post(emu.url, "/__emulator/faults", { force429: -1 }, null))
          .status,
      ).toBe(400);
      expect(
        (
          await post(
            emu.url,
            "/__emulator/faults",
            { invalidMode: "bogus" },
            null,
          )
        ).status,
      ).toBe(400);
      expect((await post(emu.url, "/__emulator/reset", {}, null)).body).toEqual(
        { ok: true },
      );
      expect(emu.requests()).toHaveLength(0);
      expect(emu.state.faults).toMatchObject({
        latencyMs: 0,
        force429: 0,
        invalidMode: "batch400",
      });
      expect((await post(emu.url, "/__emulator/nope", {}, null)).status).toBe(
        404,
      );
    });

    it("errorRate5xx is deterministic for a given seed", async () => {
      const run = async () => {
        emu.reset();
        emu.setFaults({ errorRate5xx: 0.5, seed: 42 });
        const statuses: number[] = [];
        for (let i = 0; i < 20; i++)
          statuses.push(
            (await call(emu.url, "/crm/v3/objects/contacts?limit=1")).status,
          );
        return statuses;
      };
      const first = await run();
      const second = await run();
      expect(second).toEqual(first);
      expect(first).toContain(200);
      expect(first.some((s) => s === 502 || s === 503)).toBe(true);
      expect(first.every((s) => [200, 502, 503].includes(s))).toBe(true);

      emu.reset();
      emu.setFaults({ errorRate5xx: 0.5, seed: 7 });
      const other: number[] = [];
      for (let i = 0; i < 20; i++)
        other.push(
          (await call(emu.url, "/crm/v3/objects/contacts?limit=1")).status,
        );
      expect(other).not.toEqual(first);
    });
  });

  describe("answer order, trace IDs, applied 5xx, hangs and held answers", () => {
    let raw: HubSpotEmulator;
    beforeAll(async () => {
      raw = await startHubSpotEmulator({ seed: 3 });
    });
    afterAll(async () => {
      await raw.close();
    });
    beforeEach(() => raw.reset());

    const inputs = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        properties: { email: `o${i}@example.com` },
        objectWriteTraceId: `t${i}`,
      }));

    it("shuffles batch results by default (trace IDs still name each input); orderedResults keeps input order", async () => {
      const created = await post(raw.url, "/crm/v3/objects/contacts/batch/create", {
        inputs: inputs(30),
      });
      expect(created.status).toBe(201);
      const traces = created.body.results.map(
        (r: { objectWriteTraceId: string }) => r.objectWriteTraceId,
      );
      const inOrder = inputs(30).map((i) => i.objectWriteTraceId);
      expect(traces).not.toEqual(inOrder);
      expect([...traces].sort()).toEqual([...inOrder].sort());
      for (const r of created.body.results)
        expect(r.properties.email).toBe(`o${r.objectWriteTraceId.slice(1)}@example.com`);

      raw.setFaults({ orderedResults: true });
      const read = await post(raw.url, "/crm/v3/objects/contacts/batch/read", {
        idProperty: "email",
        properties: ["email"],
        inputs: inputs(30).map((i) => ({ id: i.properties.email })),
      });
      expect(read.body.results.map((r: { properties: { email: string } }) => r.properties.email)).toEqual(
        inputs(30).map((i) => i.properties.email),
      );
      // reset() goes back to the start options: shuffled again.
      raw.reset();
      expect(raw.state.faults.orderedResults).toBe(false);
    });

    it("omitTraceIds answers results and per-input errors without objectWriteTraceId", async () => {
      raw.setFaults({ omitTraceIds: true, invalidMode: "perInput207" });
      const answer = await post(raw.url, "/crm/v3/objects/contacts/batch/create", {
        inputs: [...inputs(3), { properties: { email: "not an email" }, objectWriteTraceId: "bad" }],
      });
      expect(answer.status).toBe(207);
      expect(answer.body.results).toHaveLength(3);
      expect(answer.body.errors).toHaveLength(1);
      expect(JSON.stringify(answer.body)).not.toContain("objectWriteTraceId");
    });

    it("force5xxAfterApply writes first, then answers the 5xx", async () => {
      raw.setFaults({ force5xxAfterApply: 1, status5xx: 503 });
      const answer = await post(raw.url, "/crm/v3/objects/contacts/batch/create", {
        inputs: inputs(2),
      });
      expect(answer.status).toBe(503);
      expect(raw.objects("contacts")).toHaveLength(2);
      expect(raw.requests()[0]).toMatchObject({ status: 503, forced: true, applied: true });
      expect(
        (await post(raw.url, "/crm/v3/objects/contacts/batch/create", { inputs: [] })).status,
      ).toBe(201);
    });

    it("hang never answers a request on hangPath, and logs when the client closed the connection", async () => {
      raw.setFaults({ hang: 1, hangPath: "/batch/read" });
      // Not on the path: answered.
      expect((await call(raw.url, "/crm/v3/objects/contacts?limit=1")).status).toBe(200);
      const controller = new AbortController();
      const pending = fetch(`${raw.url}/crm/v3/objects/contacts/batch/read`, {
        method: "POST",
        headers: { authorization: `Bearer ${DEFAULT_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ inputs: [] }),
        signal: controller.signal,
      }).catch((error: unknown) => error);
      while (raw.requests().length < 2) await sleep(5);
      const hung = raw.requests()[1];
      expect(hung).toMatchObject({ hung: true, status: 0 });
      expect(hung.closedAt).toBeUndefined();
      controller.abort();
      await pending;
      while (hung.closedAt === undefined) await sleep(5);
      expect(hung.closedAt).toBeGreaterThanOrEqual(hung.time);
      // One-shot: the next read is answered.
      expect((await post(raw.url, "/crm/v3/objects/contacts/batch/read", { inputs: [] })).status).toBe(200);
    });

    it("holdRequests holds answers on its path until `count` wait, then answers them together", async () => {
      await post(raw.url, UPSERT, { inputs: [emailInput("g@example.com", { firstname: "Before" })] });
      raw.setFaults({ holdRequests: { path: "/crm/v3/objects/contacts/batch/read", count: 2, timeoutMs: 60_000 } });
      const read = async () =>
        await post(raw.url, "/crm/v3/objects/contacts/batch/read", {
          idProperty: "email",
          properties: ["firstname"],
          inputs: [{ id: "g@example.com" }],
        });
      const first = read();
      while (raw.requests().filter((r) => r.held).length < 1) await sleep(5);
      // Held: other paths are answered meanwhile.
      await post(raw.url, UPSERT, { inputs: [emailInput("g@example.com", { firstname: "During" })] });
      const [a, b] = await Promise.all([first, read()]);
      expect([a, b].map((r) => r.body.results[0].properties.firstname)).toEqual(["During", "During"]);
      expect(raw.setFaults({}).holdRequests).toMatchObject({ held: 2, releasedBy: "count" });
      // Open now: later reads pass at once.
      expect((await read()).status).toBe(200);
    });

    it("holdRequests lets a lone request go after timeoutMs", async () => {
      raw.setFaults({ holdRequests: { path: "/crm/v3/objects/contacts/batch/read", count: 2, timeoutMs: 50 } });
      const answer = await post(raw.url, "/crm/v3/objects/contacts/batch/read", { inputs: [] });
      expect(answer.status).toBe(200);
      expect(raw.setFaults({}).holdRequests).toMatchObject({ held: 1, releasedBy: "timeout" });
      expect((await post(raw.url, "/__emulator/faults", { holdRequests: { path: "" } }, null)).status).toBe(400);
    });
  });

  describe("cli", () => {
    it("prints HUBSPOT_EMULATOR_URL and serves requests", async () => {
      const cli = path.join(__dirname, "..", "emulators", "hubspot", "cli.js");
      const child = spawn(
        process.execPath,
        [cli, "--port", "0", "--limit-per-10s", "7"],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      try {
        const url = await new Promise<string>((resolve, reject) => {
          let out = "";
          child.stdout.on("data", (c: Buffer) => {
            out += c.toString();
            const m = out.match(
              /HUBSPOT_EMULATOR_URL=(http:\/\/127\.0\.0\.1:\d+)/,
            );
            if (m) resolve(m[1]);
          });
          child.once("exit", (code) =>
            reject(new Error(`cli exited with ${String(code)}`)),
          );
        });
        const r = await call(url, "/crm/v3/objects/contacts?limit=1");
        expect(r.status).toBe(200);
        expect(r.headers.get("x-hubspot-ratelimit-max")).toBe("7");
      } finally {
        child.kill("SIGTERM");
      }
    });
  });
});
