-- Backlog counters: the open posts (queued to processing) of each account and each owner,
-- kept by triggers on posts, so the enqueue reads one row instead of counting a backlog
-- (a count grows with the backlog, and two requests could both take the last slot).

-- CreateTable
CREATE TABLE "account_backlogs" (
    "account_id" TEXT NOT NULL,
    "open" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "account_backlogs_pkey" PRIMARY KEY ("account_id")
);

-- CreateTable
CREATE TABLE "owner_backlogs" (
    "owner_id" TEXT NOT NULL,
    "shard" SMALLINT NOT NULL,
    "open" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "owner_backlogs_pkey" PRIMARY KEY ("owner_id","shard")
);

-- AddForeignKey
ALTER TABLE "account_backlogs" ADD CONSTRAINT "account_backlogs_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The statuses a post counts in the backlog. The same list as openStatuses in
-- packages/db/src/posts.ts; packages/db/test/backlog-counters.test.ts compares the two.
CREATE FUNCTION post_status_is_open(s post_status) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT s IN ('queued', 'scheduled', 'preparing', 'validating', 'uploading', 'processing') $$;

-- Adds `delta` to the counters of one account and its owner. The owner's count is spread
-- over 16 shard rows by account (hash), so enqueues to one owner's many accounts do not all
-- wait on one row; the owner's count is the sum of its shards.
CREATE FUNCTION backlog_add(p_owner text, p_account text, delta integer) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
  INSERT INTO account_backlogs AS b (account_id, open) VALUES (p_account, delta)
    ON CONFLICT (account_id) DO UPDATE SET open = b.open + delta;
  INSERT INTO owner_backlogs AS o (owner_id, shard, open)
    VALUES (p_owner, (hashtext(p_account) & 15)::smallint, delta)
    ON CONFLICT (owner_id, shard) DO UPDATE SET open = o.open + delta;
END
$$;

CREATE FUNCTION posts_backlog_counters() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND post_status_is_open(OLD.status) THEN
    PERFORM backlog_add(OLD.owner_id, OLD.account_id, -1);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND post_status_is_open(NEW.status) THEN
    PERFORM backlog_add(NEW.owner_id, NEW.account_id, 1);
  END IF;
  RETURN NULL;
END
$$;

-- AFTER triggers: they run once the statement that wrote the post is done, so the enqueue
-- statement's own lock on the account's row (posts.createForAccount) comes first.
CREATE TRIGGER posts_backlog_insert AFTER INSERT ON posts
    FOR EACH ROW WHEN (post_status_is_open(NEW.status)) EXECUTE FUNCTION posts_backlog_counters();
CREATE TRIGGER posts_backlog_delete AFTER DELETE ON posts
    FOR EACH ROW WHEN (post_status_is_open(OLD.status)) EXECUTE FUNCTION posts_backlog_counters();
-- Only a write that moves a post in or out of the backlog (or to another account or owner)
-- calls the function; progress writes are filtered by WHEN alone.
CREATE TRIGGER posts_backlog_update AFTER UPDATE OF status, account_id, owner_id ON posts
    FOR EACH ROW WHEN (
      post_status_is_open(OLD.status) IS DISTINCT FROM post_status_is_open(NEW.status)
      OR (post_status_is_open(NEW.status)
          AND (OLD.account_id, OLD.owner_id) IS DISTINCT FROM (NEW.account_id, NEW.owner_id))
    ) EXECUTE FUNCTION posts_backlog_counters();

-- Backfill from the posts already stored: a row for every account (the enqueue adds one for
-- a new account), and the owners' shards of the accounts with open posts.
INSERT INTO account_backlogs (account_id, open)
SELECT a.id, (SELECT count(*) FROM posts p WHERE p.account_id = a.id AND post_status_is_open(p.status))
FROM accounts a;

INSERT INTO owner_backlogs (owner_id, shard, open)
SELECT owner_id, (hashtext(account_id) & 15)::smallint, count(*)
FROM posts WHERE post_status_is_open(status)
GROUP BY 1, 2;
