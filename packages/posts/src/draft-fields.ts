import { z } from 'zod';

/**
 * Fields TikTok takes only for a Direct Post: a draft (the creator's inbox) sends none of
 * them (docs/tiktok-api.md, Video init and Photo posts), so a draft refuses them with a
 * field-level error rather than storing and echoing settings TikTok never received.
 */
export function refuseOnDraft(
  post: { mode: 'direct' | 'draft' } & Record<string, unknown>,
  fields: Readonly<Record<string, string>>,
  ctx: z.RefinementCtx,
): void {
  if (post.mode !== 'draft') return;
  for (const [field, why] of Object.entries(fields)) {
    if (post[field] === undefined) continue;
    ctx.addIssue({
      code: 'custom',
      path: [field],
      message: `does not exist for drafts: ${why}. Leave it out, or send the post with mode 'direct'`,
    });
  }
}

/** A Direct Post needs a privacy level; a draft's is chosen by the creator in the app. */
export function requirePrivacyForDirect(
  post: { mode: 'direct' | 'draft'; privacyLevel?: unknown },
  levels: readonly string[],
  ctx: z.RefinementCtx,
): void {
  if (post.mode !== 'direct' || post.privacyLevel !== undefined) return;
  ctx.addIssue({
    code: 'custom',
    path: ['privacyLevel'],
    message: `is required for a Direct Post: one of ${levels.join(', ')}`,
  });
}

/** An optional yes/no that has no default in the schema, so a draft can tell it was sent. */
export const optionalFlag = z.boolean({ error: 'must be true or false' }).optional();
