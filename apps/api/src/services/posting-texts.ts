/**
 * What a posting screen must show, in TikTok's words where TikTok gives them (its Direct
 * Post UX rules, which its app audit checks). Served by GET /v1/accounts/:id/posting-options
 * so that every client draws the same screen from one place.
 */
export const POSTING_TEXTS = {
  commercialToggle: 'Disclose video content',
  commercialPrompt:
    'Turn on to disclose that this video promotes goods or services in exchange for something of value. Your video could promote yourself, a third party, or both.',
  incompleteDisclosure:
    'You need to indicate if your content promotes yourself, a third party, or both.',
  yourBrand: {
    label: 'Your brand',
    description:
      'You are promoting yourself or your own business. This content will be classified as Brand Organic.',
  },
  brandedContent: {
    label: 'Branded content',
    description:
      'You are promoting another brand or a third party. This content will be classified as Branded Content.',
  },
  // Under the toggle once a box is checked; paid partnership also when both are.
  promotionalLabel: "Your video will be labeled as 'Promotional content'",
  paidPartnershipLabel: "Your video will be labeled as 'Paid partnership'",
  interactionDisabled: 'The creator has turned this off in their TikTok settings.',
  brandedNotPrivate: 'Branded content visibility cannot be set to private.',
  declarationDefault: "By posting, you agree to TikTok's Music Usage Confirmation",
  declarationBranded:
    "By posting, you agree to TikTok's Branded Content Policy and Music Usage Confirmation",
  processingNotice:
    'Your video is being processed by TikTok. It may take a few minutes to appear on your profile.',
  links: {
    musicUsage: 'https://www.tiktok.com/legal/page/global/music-usage-confirmation/en',
    brandedContentPolicy: 'https://www.tiktok.com/legal/page/global/bc-policy/en',
  },
} as const;
