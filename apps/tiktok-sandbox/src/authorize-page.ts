import type { AuthorizeRequest } from './authorize-request';
import type { Creator } from './state';

const scopeText: Record<string, string> = {
  'user.info.basic': 'Read your profile info (avatar, display name)',
  'user.info.profile': 'Read your profile details (bio, username, verification)',
  'user.info.stats': 'Read your follower, like and video counts',
  'video.list': 'Read your public videos',
  'video.publish': 'Post content to TikTok directly',
  'video.upload': 'Share content to TikTok as a draft',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function hidden(name: string, value: string | null): string {
  return value === null ? '' : `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
}

/**
 * TikTok's consent screen, reduced to what a person testing the flow needs: the scopes
 * (each can be declined, as on TikTok), the account to log in as, Authorize and Deny.
 */
export function authorizePage(request: AuthorizeRequest, creators: Creator[]): string {
  const scopes = request.scopes
    .map(
      (scope) =>
        `<label><input type="checkbox" name="grant" value="${escapeHtml(scope)}" checked> ${escapeHtml(
          scopeText[scope] ?? scope,
        )} <code>${escapeHtml(scope)}</code></label>`,
    )
    .join('\n');
  const accounts = creators
    .map(
      (c) =>
        `<option value="${escapeHtml(c.openId)}">${escapeHtml(c.nickname)} (@${escapeHtml(c.username)})</option>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Authorize app - TikTok sandbox</title>
<style>
body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#161823}
h1{font-size:1.3rem} label{display:block;margin:.5rem 0} code{color:#666;font-size:.8rem}
button{font-size:1rem;padding:.6rem 1.4rem;border-radius:4px;border:1px solid #ccc;cursor:pointer;margin-right:.5rem}
button[value=authorize]{background:#fe2c55;color:#fff;border-color:#fe2c55}
</style></head>
<body>
<h1>Authorize <code>${escapeHtml(request.clientKey)}</code> to access your TikTok account</h1>
<p>TikTok sandbox: no real account is involved.</p>
<form method="post" action="/v2/auth/authorize/">
${hidden('client_key', request.clientKey)}
${hidden('response_type', 'code')}
${hidden('redirect_uri', request.redirectUri)}
${hidden('state', request.state)}
${hidden('scope', request.scopes.join(','))}
${hidden('code_challenge', request.codeChallenge)}
${hidden('code_challenge_method', request.codeChallengeMethod)}
<fieldset><legend>This app will be able to</legend>
${scopes}
</fieldset>
<p><label>Log in as <select name="account"><option value="new">A new sandbox creator</option>${accounts}</select></label></p>
<button type="submit" name="decision" value="authorize">Authorize</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>
</body></html>`;
}

export function errorPage(message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Authorization error - TikTok sandbox</title></head>
<body style="font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto">
<h1>Something went wrong</h1><p>${escapeHtml(message)}</p></body></html>`;
}
