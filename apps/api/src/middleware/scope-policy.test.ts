import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { requiredScope } from "./scope-policy";

describe("scope policy", () => {
  it("wants read for reads, trigger for dispatching and operating runs, admin for the rest", () => {
    const cases: [string, string, string][] = [
      ["GET", "/workflows", "read"],
      ["HEAD", "/runs/r1", "read"],
      ["GET", "/executions/r1/history", "read"],
      ["POST", "/triggers/manual/dispatch", "trigger"],
      ["POST", "/triggers/cron/dispatch", "trigger"],
      ["POST", "/workflows/w1/runs", "trigger"],
      ["POST", "/Workflows/w1/runs/", "trigger"],
      ["POST", "/runs/r1/cancel", "trigger"],
      ["POST", "/runs/r1/retry", "trigger"],
      ["POST", "/runs/r1/start", "trigger"],
      ["POST", "/runs/r1/succeed", "trigger"],
      ["POST", "/runs/r1/fail", "trigger"],
      ["POST", "/runs/r1/signals/approve", "trigger"],
      ["POST", "/workflows", "admin"],
      ["PUT", "/workflows/w1", "admin"],
      ["DELETE", "/workflows/w1", "admin"],
      ["POST", "/workflows/w1/versions", "admin"],
      ["PUT", "/workflows/w1/triggers/webhook/config", "admin"],
      ["PUT", "/workflows/w1/runs", "admin"],
      ["POST", "/runs/r1/something-new", "admin"],
      ["GET", "/keys", "admin"],
      ["POST", "/keys", "admin"],
      ["DELETE", "/keys/k1", "admin"],
      ["GET", "/keysmith", "read"],
      ["GET", "/workflows/w1/inbox", "admin"],
      ["GET", "/workflows/w1/inbox/", "admin"],
      ["GET", "/inbox/e1", "admin"],
      ["POST", "/inbox/e1/replay", "admin"],
      ["GET", "/inboxes", "read"],
    ];
    for (const [method, path, scope] of cases) assert.equal(requiredScope(method, path), scope, `${method} ${path}`);
  });
});
