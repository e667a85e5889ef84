-- AlterTable
ALTER TABLE "runs" ADD COLUMN     "run_at" TIMESTAMPTZ(3);

