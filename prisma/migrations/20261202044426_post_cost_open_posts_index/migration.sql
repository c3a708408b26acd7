-- DropIndex
DROP INDEX "posts_updated_at_id_idx";

-- CreateIndex
CREATE INDEX "posts_open_updated_at_id_idx" ON "posts"("updated_at", "id") WHERE (status = ANY (ARRAY['queued'::post_status, 'scheduled'::post_status, 'preparing'::post_status, 'validating'::post_status, 'uploading'::post_status, 'processing'::post_status]));
