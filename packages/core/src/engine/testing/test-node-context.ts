import { createLogger } from "../../logger";
import type { NodeContext } from "../node-type";

/** The context a node type's `run` gets, for calling one directly in a unit test: an empty run, a quiet logger. */
export function createTestNodeContext(nodeId: string): NodeContext {
  return {
    nodeId,
    context: {
      input: {},
      steps: {},
      run: { id: "r", workflow_id: "w", triggered_by: "t", attempt: 1, scheduled_for: null },
    },
    logger: createLogger("test", { LOG_LEVEL: "error", LOG_FORMAT: "json" }),
    log: () => {},
  };
}
