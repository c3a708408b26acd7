-- AlterTable
ALTER TABLE "posts" ADD COLUMN     "upload_fence" BIGINT;
