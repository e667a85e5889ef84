/**
 * Triggers a run of a workflow, prints its events as they happen, then its result (docs/client.md):
 *
 *   API_URL=http://127.0.0.1:8000 SWITCHYARD_API_KEY=sy_... \
 *     npx tsx examples/client/trigger-and-follow.ts <workflow> '{"n": 1}'
 *
 * Exits 0 when the run succeeded, 1 otherwise.
 */
import { createClient, SwitchyardError } from "@switchyard/client";

const [workflow, input = "{}"] = process.argv.slice(2);
if (workflow === undefined) {
  console.error("usage: trigger-and-follow.ts <workflow handle or id> [input JSON]");
  process.exit(2);
}

const client = createClient({
  url: process.env.API_URL ?? "http://127.0.0.1:8000",
  token: process.env.SWITCHYARD_API_KEY,
});

try {
  const run = await client.runs.trigger(workflow, JSON.parse(input) as Record<string, unknown>);
  console.log(`run ${run.id} ${run.status}`);

  // History first, then live; the stream reconnects by itself and ends after `end`.
  for await (const event of client.runs.events(run.id)) {
    switch (event.type) {
      case "status":
        console.log(`status ${event.data.status}`);
        break;
      case "step":
        console.log(`step ${event.data.node_id} ${event.data.status}`);
        break;
      case "log":
        console.log(`log ${event.data.node_id}: ${event.data.message}`);
        break;
      case "child":
        console.log(`child ${event.data.child_run_id} ${event.data.status}`);
        break;
      case "end":
        console.log(`end ${event.data.status}`);
        if (event.data.error != null) console.log(`error ${event.data.error}`);
        else console.log(`result ${JSON.stringify(event.data.result)}`);
        process.exitCode = event.data.status === "succeeded" ? 0 : 1;
    }
  }
} catch (err) {
  // Typed errors: err.status (404, 401, 403, 422, ...) and err.detail, the API's own words.
  if (!(err instanceof SwitchyardError)) throw err;
  console.error(`${err.name}: ${err.message}`);
  process.exitCode = 1;
}
