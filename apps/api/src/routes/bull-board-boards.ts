import type { Router } from "express";
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { Deps } from "@switchyard/core/deps";
import { DASHBOARD_PATH } from "./admin/mount-dashboard";

/** The two boards bull-board.ts chooses between per request: admin's full one and a read-only one. */
export type BullBoards = { full: Router; readOnly: Router };

function createBoard({ queues }: Deps, basePath: string, readOnlyMode: boolean): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(basePath);
  createBullBoard({
    queues: [new BullMQAdapter(queues.runs, { readOnlyMode }), new BullMQAdapter(queues.beat, { readOnlyMode })],
    serverAdapter,
    // A way back to the runs dashboard (which links here) from Bull Board's header.
    options: {
      uiConfig: { boardTitle: "Switchyard queues", miscLinks: [{ text: "Runs dashboard", url: DASHBOARD_PATH }] },
    },
  });
  return serverAdapter.getRouter() as Router;
}

export function createBullBoards(deps: Deps, basePath: string): BullBoards {
  return { full: createBoard(deps, basePath, false), readOnly: createBoard(deps, basePath, true) };
}
