import { Router } from "express";
import { z } from "zod";
import { actorOf, Scope } from "@switchyard/core/auth/api-key";
import { createApiKey, listApiKeys, revokeApiKey, toApiKeyJson } from "@switchyard/core/auth/api-key-store";
import type { Authenticator } from "@switchyard/core/auth/authenticator";
import type { Deps } from "@switchyard/core/deps";
import { NotFoundError } from "@switchyard/core/errors";
import { parseInput } from "@switchyard/core/http/parse-input";
import { isUuid } from "@switchyard/core/workflows/resolve-workflow";
import { ANONYMOUS } from "../middleware/auth";
import { principalOf } from "../middleware/principal";

export const CreateApiKeyBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  scopes: z.array(Scope).min(1, "at least one scope: admin, trigger or read"),
});

/** /api/keys: admin only (scope-policy.ts). The key itself is in the 201 answer and nowhere else, ever. */
export function apiKeyRoutes({ db, logger }: Deps, authenticator: Authenticator): Router {
  const router = Router();

  router.post("/keys", async (req, res) => {
    const body = parseInput(CreateApiKeyBody, req.body);
    const createdBy = actorOf(principalOf(res) ?? ANONYMOUS);
    const { info, key } = await createApiKey(db, { name: body.name, scopes: body.scopes, createdBy });
    logger.info("api key created", { keyId: info.id, scopes: info.scopes, createdBy });
    res.status(201).json({ ...toApiKeyJson(info), key });
  });

  router.get("/keys", async (_req, res) => {
    res.json((await listApiKeys(db)).map(toApiKeyJson));
  });

  router.delete("/keys/:id", async (req, res) => {
    const id = req.params.id;
    if (!isUuid(id) || !(await revokeApiKey(db, id))) throw new NotFoundError("API key not found");
    authenticator.forget(id);
    logger.info("api key revoked", { keyId: id, revokedBy: actorOf(principalOf(res) ?? ANONYMOUS) });
    res.status(204).end();
  });

  return router;
}
