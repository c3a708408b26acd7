-- CreateTable
CREATE TABLE "media_uploads" (
    "path" TEXT NOT NULL,
    "owner_id" TEXT NOT NULL,
    "size_bytes" BIGINT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "used_at" TIMESTAMP(3),

    CONSTRAINT "media_uploads_pkey" PRIMARY KEY ("path")
);

-- CreateIndex
CREATE INDEX "media_uploads_owner_id_created_at_idx" ON "media_uploads"("owner_id", "created_at");
