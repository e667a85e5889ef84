import type { Express } from "express";
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { Deps } from "@switchyard/core/deps";
import { requireAdmin } from "../middleware/auth";
import { DASHBOARD_PATH } from "./admin/mount-dashboard";

export const BULL_BOARD_PATH = "/admin/queues";

/** Bull Board behind HTTP Basic auth; without admin credentials it is not mounted at all. */
export function mountBullBoard(app: Express, { config, logger, queues }: Deps): void {
  if (config.ADMIN_USERNAME === undefined || config.ADMIN_PASSWORD === undefined) {
    logger.warn("bull board disabled: ADMIN_USERNAME and ADMIN_PASSWORD are not set", { path: BULL_BOARD_PATH });
    return;
  }
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: [new BullMQAdapter(queues.runs), new BullMQAdapter(queues.beat)],
    serverAdapter,
    // A way back to the runs dashboard (which links here) from Bull Board's header.
    options: { uiConfig: { boardTitle: "Switchyard queues", miscLinks: [{ text: "Runs dashboard", url: DASHBOARD_PATH }] } },
  });
  app.use(BULL_BOARD_PATH, requireAdmin(config.ADMIN_USERNAME, config.ADMIN_PASSWORD), serverAdapter.getRouter());
  logger.info("bull board enabled", { path: BULL_BOARD_PATH });
}
