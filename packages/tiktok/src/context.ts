import type { TikTokHttp } from './http';
import type { ResearchBudget } from './research/budget';

/** What every endpoint module needs from the client that owns it. */
export interface ClientContext {
  http: TikTokHttp;
  clientKey: string;
  clientSecret: string;
  authUrl: string;
  now: () => Date;
  researchBudget: ResearchBudget;
}
