import { PageTitle } from '../components/layout';

export function NotFoundView() {
  return (
    <>
      <PageTitle>Page not found</PageTitle>
      <p>
        There is no page here. Go to <a href="/accounts">Accounts</a>.
      </p>
    </>
  );
}
