import { onShutdown } from "@switchyard/core/process/lifecycle";
import { createProcessDeps } from "@switchyard/core/process/process-deps";
import { startBeat } from "./start-beat";

const deps = await createProcessDeps("beat", { metricsPort: (config) => config.BEAT_METRICS_PORT });
const { logger } = deps;
const beat = startBeat(deps);

// Stops the loops and waits for the current pass (each wait bounded in startBeat), well within this backstop.
onShutdown(logger, 30_000, async () => {
  await beat.stop();
  await deps.close();
});
