import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ChildRuns, ChildRunsRequest } from "../child-runs";
import { ParkRequest } from "../wait-state";
import { createTestNodeContext } from "../testing/test-node-context";
import { mapNode } from "./map-node";

/** The map node against an in-memory stand-in of the child runs port: what it asks for and what it makes of it. */
function fakeChildren(maxItems = 3) {
  const opened: ChildRunsRequest[] = [];
  const port: ChildRuns = {
    maxItems,
    open: async (request) => {
      opened.push(request);
      return { groupId: "g1" };
    },
    read: async () => ({ resolved: false, children: [], failed: null }),
    cancelLive: async () => {},
  };
  return { port, opened };
}

const params = (items: string) => mapNode.params.parse({ items, workflow: "child" });
const run = (items: string, children: ChildRuns) =>
  mapNode.run(params(items), { ...createTestNodeContext("m"), children, nodeTry: 1 }, new AbortController().signal);

describe("map node", () => {
  it("fails naming what items gave when it is not a list", async () => {
    const { port } = fakeChildren();
    await assert.rejects(run("{'a': 1}", port), /items must be a list, got an object/);
    await assert.rejects(run("'text'", port), /items must be a list, got a string/);
    await assert.rejects(run("nothing.here", port), /items must be a list, got nothing/);
  });

  it("fails a list longer than MAP_MAX_ITEMS without creating a child", async () => {
    const { port, opened } = fakeChildren(3);
    await assert.rejects(run("[1, 2, 3, 4]", port), /items has 4 elements, more than MAP_MAX_ITEMS \(3\)/);
    assert.equal(opened.length, 0);
  });

  it("succeeds at once on an empty list", async () => {
    const { port, opened } = fakeChildren();
    assert.deepEqual(await run("[]", port), { results: [], runs: [], succeeded: 0, failed: 0, cancelled: 0 });
    assert.equal(opened.length, 0);
  });

  it("asks for one child per item with {item, index} and parks on the group", async () => {
    const { port, opened } = fakeChildren();
    const parked = await run("['a', 'b']", port).catch((err: unknown) => err);
    assert.ok(parked instanceof ParkRequest);
    assert.deepEqual(parked.state, { kind: "children", group_id: "g1", node_try: 1 });
    assert.deepEqual(opened[0]?.inputs, [
      { item: "a", index: 0 },
      { item: "b", index: 1 },
    ]);
    assert.equal(opened[0]?.concurrency, 10);
    assert.equal(opened[0]?.onFailure, "fail_fast");
  });
});
