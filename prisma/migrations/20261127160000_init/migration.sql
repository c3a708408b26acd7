-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "account_status" AS ENUM ('active', 'needs_reauth', 'revoked');

-- CreateEnum
CREATE TYPE "post_status" AS ENUM ('queued', 'scheduled', 'validating', 'uploading', 'processing', 'published', 'failed', 'canceled');

-- CreateEnum
CREATE TYPE "post_mode" AS ENUM ('direct', 'draft');

-- CreateEnum
CREATE TYPE "video_source_kind" AS ENUM ('path', 'url', 'pullFromUrl');

-- CreateEnum
CREATE TYPE "privacy_level" AS ENUM ('PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'FOLLOWER_OF_CREATOR', 'SELF_ONLY');

-- CreateTable
CREATE TABLE "accounts" (
    "id" TEXT NOT NULL,
    "owner_id" TEXT NOT NULL,
    "open_id" TEXT NOT NULL,
    "union_id" TEXT,
    "display_name" TEXT,
    "username" TEXT,
    "avatar_url" TEXT,
    "granted_scopes" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "access_token_ciphertext" TEXT NOT NULL,
    "refresh_token_ciphertext" TEXT NOT NULL,
    "token_key_id" TEXT NOT NULL,
    "access_token_expires_at" TIMESTAMP(3) NOT NULL,
    "refresh_token_expires_at" TIMESTAMP(3) NOT NULL,
    "status" "account_status" NOT NULL DEFAULT 'active',
    "status_reason" TEXT,
    "creator_nickname" TEXT,
    "creator_avatar_url" TEXT,
    "privacy_level_options" "privacy_level"[] DEFAULT ARRAY[]::"privacy_level"[],
    "comment_disabled" BOOLEAN,
    "duet_disabled" BOOLEAN,
    "stitch_disabled" BOOLEAN,
    "max_video_post_duration_sec" INTEGER,
    "creator_info_fetched_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "posts" (
    "id" TEXT NOT NULL,
    "owner_id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "caption" TEXT NOT NULL DEFAULT '',
    "privacy_level" "privacy_level",
    "disable_comment" BOOLEAN NOT NULL DEFAULT false,
    "disable_duet" BOOLEAN NOT NULL DEFAULT false,
    "disable_stitch" BOOLEAN NOT NULL DEFAULT false,
    "cover_timestamp_ms" INTEGER,
    "brand_content" BOOLEAN NOT NULL DEFAULT false,
    "brand_organic" BOOLEAN NOT NULL DEFAULT false,
    "is_aigc" BOOLEAN NOT NULL DEFAULT false,
    "mode" "post_mode" NOT NULL DEFAULT 'direct',
    "video_source_kind" "video_source_kind" NOT NULL,
    "video_source" TEXT NOT NULL,
    "scheduled_at" TIMESTAMP(3),
    "callback_url" TEXT,
    "fail_when_cap_reached" BOOLEAN NOT NULL DEFAULT false,
    "idempotency_key" TEXT,
    "status" "post_status" NOT NULL DEFAULT 'queued',
    "publish_id" TEXT,
    "upload_url" TEXT,
    "upload_url_expires_at" TIMESTAMP(3),
    "uploaded_bytes" BIGINT NOT NULL DEFAULT 0,
    "total_bytes" BIGINT,
    "chunk_size" INTEGER,
    "total_chunk_count" INTEGER,
    "tiktok_post_id" TEXT,
    "share_url" TEXT,
    "error_code" TEXT,
    "error_message" TEXT,
    "attempt_count" INTEGER NOT NULL DEFAULT 0,
    "published_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "posts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "post_status_events" (
    "id" BIGSERIAL NOT NULL,
    "post_id" TEXT NOT NULL,
    "status" "post_status" NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "detail" JSONB,

    CONSTRAINT "post_status_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "analytics_snapshots" (
    "id" BIGSERIAL NOT NULL,
    "account_id" TEXT NOT NULL,
    "post_id" TEXT,
    "tiktok_video_id" TEXT NOT NULL,
    "views" BIGINT NOT NULL,
    "likes" BIGINT NOT NULL,
    "comments" BIGINT NOT NULL,
    "shares" BIGINT NOT NULL,
    "engagement_rate" DOUBLE PRECISION,
    "captured_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "analytics_snapshots_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "hashed_key" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "owner_id" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMP(3),
    "last_used_at" TIMESTAMP(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "accounts_open_id_key" ON "accounts"("open_id");

-- CreateIndex
CREATE INDEX "accounts_owner_id_idx" ON "accounts"("owner_id");

-- CreateIndex
CREATE INDEX "accounts_status_access_token_expires_at_idx" ON "accounts"("status", "access_token_expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "posts_publish_id_key" ON "posts"("publish_id");

-- CreateIndex
CREATE INDEX "posts_owner_id_status_created_at_idx" ON "posts"("owner_id", "status", "created_at");

-- CreateIndex
CREATE INDEX "posts_owner_id_created_at_idx" ON "posts"("owner_id", "created_at");

-- CreateIndex
CREATE INDEX "posts_account_id_created_at_idx" ON "posts"("account_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "posts_owner_id_idempotency_key_key" ON "posts"("owner_id", "idempotency_key");

-- CreateIndex
CREATE INDEX "post_status_events_post_id_at_idx" ON "post_status_events"("post_id", "at");

-- CreateIndex
CREATE INDEX "analytics_snapshots_account_id_captured_at_idx" ON "analytics_snapshots"("account_id", "captured_at");

-- CreateIndex
CREATE INDEX "analytics_snapshots_post_id_captured_at_idx" ON "analytics_snapshots"("post_id", "captured_at");

-- CreateIndex
CREATE INDEX "analytics_snapshots_tiktok_video_id_captured_at_idx" ON "analytics_snapshots"("tiktok_video_id", "captured_at");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_hashed_key_key" ON "api_keys"("hashed_key");

-- CreateIndex
CREATE INDEX "api_keys_owner_id_idx" ON "api_keys"("owner_id");

-- AddForeignKey
ALTER TABLE "posts" ADD CONSTRAINT "posts_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "post_status_events" ADD CONSTRAINT "post_status_events_post_id_fkey" FOREIGN KEY ("post_id") REFERENCES "posts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "analytics_snapshots" ADD CONSTRAINT "analytics_snapshots_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "analytics_snapshots" ADD CONSTRAINT "analytics_snapshots_post_id_fkey" FOREIGN KEY ("post_id") REFERENCES "posts"("id") ON DELETE SET NULL ON UPDATE CASCADE;
