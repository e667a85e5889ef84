import { Router } from "express";
import type { Deps } from "@switchyard/core/deps";

export function runRoutes(_deps: Deps): Router {
  const router = Router();
  return router;
}
