-- CreateEnum
CREATE TYPE "prepare_mode" AS ENUM ('never', 'auto');

-- AlterEnum
ALTER TYPE "post_status" ADD VALUE 'preparing';

-- AlterTable
ALTER TABLE "posts" ADD COLUMN     "prepare" "prepare_mode",
ADD COLUMN     "prepare_percent" INTEGER,
ADD COLUMN     "prepared_video" TEXT;
