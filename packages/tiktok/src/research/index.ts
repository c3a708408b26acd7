// What other packages use of the Research API client (the rest stays inside).
export {
  type BudgetCounter,
  type BudgetReservation,
  type BudgetUsage,
  InMemoryResearchBudget,
  RESEARCH_DAILY_RECORD_LIMIT,
  RESEARCH_DAILY_REQUEST_LIMIT,
  type ResearchBudget,
  utcDay,
} from './budget';
export { ResearchBudgetExhaustedError } from './budget-error';
export {
  formatResearchDay,
  parseResearchDay,
  RESEARCH_WINDOW_DAYS,
  type ResearchWindow,
  splitResearchRange,
} from './date-windows';
export {
  DEFAULT_RESEARCH_FIELDS,
  MAX_RESEARCH_COUNT,
  RESEARCH_CONDITION_FIELDS,
  RESEARCH_OPERATIONS,
  RESEARCH_VIDEO_FIELDS,
  RESEARCH_VIDEO_QUERY_PATH,
  type ResearchCondition,
  type ResearchVideo,
  type ResearchVideoPage,
  type ResearchVideoQuery,
} from './query-videos';
export { RESEARCH_USER_FIELDS, RESEARCH_USER_INFO_PATH, type ResearchUser } from './user-info';
