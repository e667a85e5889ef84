-- AlterTable
ALTER TABLE "runs" ADD COLUMN     "waiting_for" JSONB;

