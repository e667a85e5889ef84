import { Router } from "express";
import type { Deps } from "@switchyard/core/deps";

export function executionRoutes(_deps: Deps): Router {
  const router = Router();
  return router;
}
