import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { LocationProvider, Route, Router } from 'preact-iso';
import { ApiFailure, loadSession } from './api';
import { Layout } from './components/layout';
import './styles.css';
import type { Session } from './types';
import { AccountsView } from './views/accounts';
import { AnalyticsView } from './views/analytics';
import { FleetView } from './views/fleet';
import { NotFoundView } from './views/not-found';
import { PostView } from './views/post';
import { PostDetailView } from './views/post-detail';
import { PostsView } from './views/posts';

/** Links to the API's own pages (Bull Board, docs, sign-out) stay full page loads. */
const APP_PATHS = /^\/(accounts|post|posts|analytics|fleet)?(\/|\?|$)/;

function App() {
  const [session, setSession] = useState<Session>();
  const [failure, setFailure] = useState<string>();
  useEffect(() => {
    loadSession().then(setSession, (error: unknown) => {
      if (error instanceof ApiFailure && error.code === 'not_signed_in') return;
      setFailure((error as Error).message);
    });
  }, []);
  if (failure) {
    return (
      <main class="page">
        <h1>tiktok-fleet</h1>
        <p role="alert" class="notice notice-error">
          The session could not be read: {failure}
        </p>
      </main>
    );
  }
  if (!session) return <p class="loading">Loading…</p>;
  return (
    <LocationProvider scope={APP_PATHS}>
      <Layout session={session}>
        <Router>
          <Route path="/" component={AccountsView} />
          <Route path="/accounts" component={AccountsView} />
          <Route path="/post" component={PostView} />
          <Route path="/posts" component={PostsView} />
          <Route path="/posts/:id" component={PostDetailView} />
          <Route path="/analytics" component={AnalyticsView} />
          <Route path="/fleet" component={FleetView} />
          <Route default component={NotFoundView} />
        </Router>
      </Layout>
    </LocationProvider>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
