-- CreateIndex
CREATE INDEX "media_uploads_created_at_path_idx" ON "media_uploads"("created_at", "path");

-- CreateIndex
CREATE INDEX "posts_video_source_idx" ON "posts" USING HASH ("video_source");

-- CreateIndex
CREATE INDEX "posts_photo_post_idx" ON "posts" USING GIN ("photo_post" jsonb_path_ops);

-- CreateIndex
CREATE INDEX "posts_prepared_video_idx" ON "posts"("prepared_video");
