-- AlterTable
ALTER TABLE "workflows" ADD COLUMN     "retry_policy" JSONB;

