-- AlterTable
ALTER TABLE "posts" ADD COLUMN     "photo_post" JSONB,
ALTER COLUMN "video_source_kind" DROP NOT NULL,
ALTER COLUMN "video_source" DROP NOT NULL;
