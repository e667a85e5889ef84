import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnService } from "@switchyard/core/testing/service-process";

describe("api process", () => {
  it("stops at start with a message naming each bad variable", async () => {
    const api = spawnService("api", { PORT: "not-a-port", CRON_DISPATCH_INTERVAL: "-1" });
    assert.equal(await api.exited, 2);
    const stderr = api.stderr.join("\n");
    assert.match(stderr, /PORT/);
    assert.match(stderr, /CRON_DISPATCH_INTERVAL/);
  });
});
