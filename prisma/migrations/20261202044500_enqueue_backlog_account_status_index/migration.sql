-- CreateIndex
CREATE INDEX "posts_account_id_status_idx" ON "posts"("account_id", "status");
