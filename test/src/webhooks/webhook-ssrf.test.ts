import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grantServerAdmin, rest, signUp, startTestServer, type TestServer, type TestUser } from "../harness/index.js";

describe("webhook URLs with private networks refused (the production default)", () => {
  let server: TestServer;
  let admin: TestUser;
  beforeAll(async () => {
    server = await startTestServer();
    admin = await signUp(server.url);
    await grantServerAdmin(server.databaseUrl, admin.username);
  });
  afterAll(() => server.stop());

  it.each([
    "http://127.0.0.1:9/hook",
    "http://localhost:9/hook",
    "http://[::1]:9/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://[::ffff:127.0.0.1]/hook",
    "http://10.0.0.1/hook",
    "https://[fd00:ec2::254]/hook",
  ])("refuses %s at registration, naming the rule", async (url) => {
    const res = await rest(server.url, "POST", "/admin/webhooks", {
      token: admin.token,
      body: { url, events: ["message.created"] },
    });
    expect([res.status, res.body.error.code]).toEqual([400, "VALIDATION_FAILED"]);
    expect(res.body.error.issues[0]).toMatchObject({
      path: "url",
      message: expect.stringMatching(/private, loopback/),
    });
  });

  it("accepts a public address", async () => {
    const res = await rest(server.url, "POST", "/admin/webhooks", {
      token: admin.token,
      body: { url: "https://93.184.215.14/hook", events: ["message.created"] },
    });
    expect(res.status).toBe(201);
    // Deleted before any event could be queued for it: tests send nothing off this machine.
    const deleted = await rest(server.url, "DELETE", `/admin/webhooks/${res.body.webhook.id}`, { token: admin.token });
    expect(deleted.status).toBe(200);
  });
});
