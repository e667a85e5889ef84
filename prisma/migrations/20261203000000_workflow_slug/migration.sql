-- Orcheo's slug: its clients send one when they create a workflow, and read it back. The store keeps
-- slugify(slug, else name), as Orcheo does. The UPDATE gives the workflows created before this migration the slug
-- Orcheo would have given them, from their names.
-- AlterTable
ALTER TABLE "workflows" ADD COLUMN     "slug" TEXT NOT NULL DEFAULT '';

UPDATE "workflows"
SET "slug" = coalesce(
  nullif(btrim(regexp_replace(lower(btrim("name")), '[^a-z0-9]+', '-', 'g'), '-'), ''),
  lower(btrim("name"))
);
