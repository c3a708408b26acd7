import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import type { Post } from '../types';
import { useResource } from '../use-resource';
import { ErrorNotice } from './notices';
import { isFinal, PostProgress } from './post-progress';

/** The post's progress after the upload, from GET /v1/posts/:id until it is final. */
export function FollowPost({
  postId,
  processingNotice,
}: {
  postId: string;
  processingNotice: string;
}) {
  const post = useResource(
    () => api<Post>('GET', `/v1/posts/${encodeURIComponent(postId)}`),
    [postId],
    {
      everyMs: 1000,
      keepPolling: (p) => !isFinal(p.status),
    },
  );
  const [announced, setAnnounced] = useState(false);
  useEffect(() => {
    if (post.data?.status === 'published') setAnnounced(true);
  }, [post.data?.status]);
  return (
    <section class="follow" aria-labelledby="follow-title">
      <h2 id="follow-title">Your post</h2>
      <p class="notice" role="status">
        {processingNotice}
      </p>
      {post.data && <PostProgress post={post.data} live />}
      <ErrorNotice error={post.error} what="The post’s progress could not be read" />
      {post.data && isFinal(post.data.status) && (
        <button
          type="button"
          onClick={() =>
            window.location.assign(
              `/post?accountId=${encodeURIComponent(post.data?.accountId ?? '')}`,
            )
          }
        >
          Post another video
        </button>
      )}
      <p>
        <a href={`/posts/${encodeURIComponent(postId)}`}>See the post’s details</a>
        {announced && (
          <>
            {' · '}
            <a
              href={`/analytics?accountId=${encodeURIComponent(post.data?.accountId ?? '')}&postId=${encodeURIComponent(postId)}`}
            >
              See its analytics
            </a>
          </>
        )}
      </p>
    </section>
  );
}
