-- AlterTable
ALTER TABLE "workers" ADD COLUMN     "metrics_port" INTEGER;
