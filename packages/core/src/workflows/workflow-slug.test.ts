import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createTestDeps, type TestDeps } from "../testing/test-deps";
import { REPO_ROOT } from "../testing/test-database";
import { workflowSlug } from "./workflow-slug";

const NAMES = ["Demo orders", "  My_Flow  ", "nightly-report", "Café au lait", "--Weird!!name--", "日本語", "A1 b2 C3"];

describe("workflowSlug", () => {
  it("slugifies as Orcheo does", () => {
    assert.deepEqual(NAMES.map(workflowSlug), [
      "demo-orders",
      "my-flow",
      "nightly-report",
      "caf-au-lait",
      "weird-name",
      "日本語",
      "a1-b2-c3",
    ]);
  });

  it("gives a blank value a random UUID", () => {
    assert.match(workflowSlug("   "), /^[0-9a-f-]{36}$/);
  });
});

describe("the workflow_slug migration", () => {
  let deps: TestDeps;
  before(async () => {
    deps = await createTestDeps();
  });
  after(async () => {
    await deps.close();
  });

  it("gives older workflows the slug the store would have given them", async () => {
    // Rows as they were before the column: inserted without a slug.
    for (const name of NAMES) await deps.db.workflow.create({ data: { name } });
    const sql = readFileSync(join(REPO_ROOT, "prisma/migrations/20261203000000_workflow_slug/migration.sql"), "utf8");
    const update = sql.slice(sql.search(/^UPDATE/m));
    await deps.db.$executeRawUnsafe(update);
    const rows = await deps.db.workflow.findMany({ select: { name: true, slug: true } });
    assert.deepEqual(rows.map((r) => [r.name, r.slug]).sort(), NAMES.map((n) => [n, workflowSlug(n)]).sort());
  });
});
