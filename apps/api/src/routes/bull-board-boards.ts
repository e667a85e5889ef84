import { createRequire } from "node:module";
import type { Express, Router } from "express";
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { Queue } from "bullmq";
import type { Deps } from "@switchyard/core/deps";
import { DASHBOARD_PATH } from "./admin/mount-dashboard";

/**
 * The two boards bull-board.ts chooses between per request: admin's full one and a read-only one; `addQueues` puts
 * routing queues' BullMQ queues (docs/flow-control.md) on both, each once.
 */
export type BullBoards = { full: Router; readOnly: Router; addQueues: (queues: readonly Queue[]) => void };

function createBoard({ queues }: Deps, basePath: string, readOnlyMode: boolean) {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(basePath);
  const { addQueue } = createBullBoard({
    queues: [new BullMQAdapter(queues.runs, { readOnlyMode }), new BullMQAdapter(queues.beat, { readOnlyMode })],
    serverAdapter,
    // A way back to the runs dashboard (which links here) from Bull Board's header.
    options: {
      uiConfig: { boardTitle: "Switchyard queues", miscLinks: [{ text: "Runs dashboard", url: DASHBOARD_PATH }] },
    },
  });
  const board = serverAdapter.getRouter() as Express;
  renderWithoutExternalLinks(board);
  return { board, add: (queue: Queue) => addQueue(new BullMQAdapter(queue, { readOnlyMode })) };
}

type RenderFile = (path: string, data: object, done: (err: Error | null, html?: string) => void) => void;

/** A `<link>` whose href names another host (`https://...`, `//...`), with the whitespace after it. */
const EXTERNAL_LINK = /<link\b[^>]*\bhref=["']?(?:https?:)?\/\/[^>]*>\s*/gi;

/**
 * Bull Board's page links a Google Fonts stylesheet (IBM Plex): the Content-Security-Policy refuses it, a console
 * error at every load, and the operator's browser would call out to Google for it. The page is rendered by the ejs
 * that bull-board's Express adapter registers, then any `<link>` to another host is dropped; its CSS falls back to
 * the system's fonts (`system-ui`, `ui-monospace`).
 */
function renderWithoutExternalLinks(board: Express): void {
  const adapter = createRequire(import.meta.url).resolve("@bull-board/express");
  const ejs = createRequire(adapter)("ejs") as { renderFile: RenderFile };
  board.engine("ejs", (path, data, done) =>
    ejs.renderFile(path, data, (err, html) => done(err, html?.replace(EXTERNAL_LINK, ""))),
  );
}

export function createBullBoards(deps: Deps, basePath: string): BullBoards {
  const full = createBoard(deps, basePath, false);
  const readOnly = createBoard(deps, basePath, true);
  const shown = new Set([deps.queues.runs.name, deps.queues.beat.name]);
  return {
    full: full.board,
    readOnly: readOnly.board,
    addQueues: (queues) => {
      for (const queue of queues) {
        if (shown.has(queue.name)) continue;
        shown.add(queue.name);
        full.add(queue);
        readOnly.add(queue);
      }
    },
  };
}
