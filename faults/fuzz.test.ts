import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import { after, before, describe, it } from "node:test";
import { spawnService, type ServiceProcess } from "@switchyard/core/testing/service-process";
import { createTestDeps, type TestDeps } from "@switchyard/core/testing/test-deps";
import { createApp } from "../apps/api/src/app";
import { createWorkflow } from "./lib/fault-deps";
import { createRandom, generateRequest, type FuzzContext, type FuzzRequest } from "./lib/fuzz-requests";
import { listRoutes } from "./lib/list-routes";
import { reportFigures } from "./lib/report-figures";

const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 5_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const CONCURRENCY = 6;

type Answer = { status: number; text: string };

/** Sends one request as given (raw bytes, any header), resolving with the status and body text. */
function send(base: URL, agent: Agent, req: FuzzRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const r = request(
      {
        host: base.hostname,
        port: base.port,
        method: req.method,
        path: req.path,
        // Node sends a DELETE's or OPTIONS's body without a length unless told: the server would read it as the
        // next request.
        headers: req.body === null ? req.headers : { ...req.headers, "content-length": String(req.body.length) },
        agent,
        timeout: 60_000,
      },
      (res) => {
        // An event stream stays open (heartbeats, a live run): its status and headers are the answer.
        if (String(res.headers["content-type"] ?? "").startsWith("text/event-stream")) {
          res.destroy();
          return resolve({ status: res.statusCode ?? 0, text: "" });
        }
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    r.on("timeout", () => r.destroy(new Error(`no answer within 60 s: ${req.method} ${req.path.slice(0, 200)}`)));
    r.on("error", reject);
    r.end(req.body ?? undefined);
  });
}

/** Run ids named by a response: every object that looks like a run (id, workflow_version_id, triggered_by). */
function namedRuns(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) for (const v of value) namedRuns(v, into);
  else if (value !== null && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (typeof o.id === "string" && "workflow_version_id" in o && "triggered_by" in o) into.add(o.id);
    for (const v of Object.values(o)) namedRuns(v, into);
  }
}

describe("fuzzing every route", () => {
  let deps: TestDeps;
  let api: ServiceProcess;
  let base: URL;
  // A connection per request, never reused: the server may close one early (a body it refuses unread), which must
  // not fail the next request.
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });

  before(async () => {
    deps = await createTestDeps();
    api = spawnService("api", { ...deps.env, PORT: "0", LOG_LEVEL: "info" });
    const listening = await api.waitForLog((l) => l.message === "api listening", 60_000);
    base = new URL(`http://127.0.0.1:${String(listening.port)}`);
  });
  after(async () => {
    agent.destroy();
    await api.stop();
    await deps.close();
  });

  it(`answers ${REQUESTS} generated requests without a 5xx, and creates exactly the runs it names`, async () => {
    const graph = { nodes: [{ id: "a", type: "set", params: { value: "{{ input }}" } }], edges: [] };
    const seeded = await Promise.all([
      createWorkflow(deps.db, graph, "fuzz one"),
      createWorkflow(deps.db, graph, "fuzz two"),
    ]);
    await deps.db.workflow.update({ where: { id: seeded[1]!.workflowId }, data: { handle: "fuzz-two" } });
    const named = new Set<string>();
    const ctx: FuzzContext = {
      workflowIds: seeded.map((s) => s.workflowId),
      handles: ["fuzz-two", "no-such-workflow"],
      versionIds: seeded.map((s) => s.versionId),
      runIds: () => [...named],
    };
    const routes = listRoutes(createApp(deps));
    assert.ok(routes.length >= 30, `only ${routes.length} routes found`);

    const random = createRandom(SEED);
    const failures: { req: string; status: number; text: string }[] = [];
    const perStatus = new Map<number, number>();
    let refusedUnread = 0;
    const perRoute = new Map<string, number>();
    let next = 0;
    const started = Date.now();
    const sender = async () => {
      while (next < REQUESTS) {
        const i = next++;
        // DELETE /api/workflows/{ref} archives the seeded workflows early on; unarchived now and then, so the
        // routes that create runs keep reaching them.
        if (i % 100 === 0) await deps.db.workflow.updateMany({ data: { isArchived: false } });
        const route = routes[i % routes.length]!;
        const req = generateRequest(random, route, ctx);
        let answer: Answer;
        try {
          answer = await send(base, agent, req);
        } catch (err) {
          // Refused before it is read: a body past the limit (413) or a head past Node's 16 KB header limit (431).
          // The server answers and closes the connection, which the client may see as a reset while it is still
          // writing. Any other reset is a failure.
          const head = req.path.length + Object.entries(req.headers).reduce((n, [k, v]) => n + k.length + v.length, 0);
          if ((req.body?.length ?? 0) <= 2 * 1024 * 1024 && head < 16 * 1024) {
            throw new Error(`${(err as Error).message}: ${req.method} ${req.path.slice(0, 300)} (${req.body?.length})`);
          }
          refusedUnread++;
          continue;
        }
        perStatus.set(answer.status, (perStatus.get(answer.status) ?? 0) + 1);
        perRoute.set(`${route.method} ${route.path}`, (perRoute.get(`${route.method} ${route.path}`) ?? 0) + 1);
        if (answer.status >= 500) {
          failures.push({
            req: `${req.method} ${req.path.slice(0, 300)} ${req.body?.subarray(0, 200).toString() ?? ""}`,
            status: answer.status,
            text: answer.text.slice(0, 300),
          });
        } else if (answer.status >= 200 && answer.status < 300 && answer.text.length > 0) {
          try {
            namedRuns(JSON.parse(answer.text), named);
          } catch {
            // Not JSON (e.g. a HEAD answer): names no run.
          }
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, () => sender()));

    const health = await send(base, agent, { method: "GET", path: "/healthz", headers: {}, body: null });
    const inDb = (await deps.db.run.findMany({ select: { id: true } })).map((r) => r.id);
    const unnamed = inDb.filter((id) => !named.has(id));
    const missing = [...named].filter((id) => !inDb.includes(id));
    reportFigures("fuzz", {
      seed: SEED,
      requests: REQUESTS,
      routes: routes.length,
      min_per_route: Math.min(...perRoute.values()),
      status_5xx: failures.length,
      status_2xx: [...perStatus].filter(([s]) => s < 300).reduce((n, [, c]) => n + c, 0),
      status_4xx: [...perStatus].filter(([s]) => s >= 400 && s < 500).reduce((n, [, c]) => n + c, 0),
      runs_created: inDb.length,
      runs_unnamed: unnamed.length,
      duration_ms: Date.now() - started,
      refused_unread: refusedUnread,
    });
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} requests answered 5xx`);
    assert.equal(health.status, 200);
    assert.equal(api.proc.exitCode, null);
    assert.deepEqual(unnamed, []);
    assert.deepEqual(missing, []);
    assert.ok(inDb.length > 0, "the fuzz created no run at all: the generator no longer reaches the run routes");
  });
});
