import { describe, expect, it } from 'vitest';
import { looksLikeAccountToken, newAccountToken } from '../../src/services/auth/account-tokens';
import { redactTokens } from '../../src/services/email/log-transport';
import { renderNotification } from '../../src/services/notifications/templates';

describe('account token emails', () => {
  it('password_reset and email_verification link to APP_URL pages carrying the token, HTML escaped', async () => {
    const context = {
      appUrl: 'https://app.example.com/',
      apiUrl: 'https://api.example.com',
      unsubscribeSecret: 'x'.repeat(32),
    };
    const payload = { token: 'abc_DEF-123', expiresInMinutes: 30 };
    const reset = await renderNotification('password_reset', payload, context);
    expect(reset?.text).toContain('https://app.example.com/reset-password?token=abc_DEF-123');
    expect(reset?.html).toContain('href="https://app.example.com/reset-password?token=abc_DEF-123"');
    const verify = await renderNotification('email_verification', payload, {
      ...context,
      appUrl: 'https://a.example/x"><script>',
    });
    expect(verify?.text).toContain('/verify-email?token=abc_DEF-123');
    expect(verify?.html).not.toContain('<script>');
    expect(verify?.html).toContain('&quot;&gt;&lt;script&gt;');
  });

  it('redactTokens removes every token query value and keeps the rest of the text', () => {
    const text =
      'Reset: https://a.example/reset-password?token=SECRET_1 and https://b.example/x?a=1&token=SECRET-2&b=2';
    const redacted = redactTokens(text);
    expect(redacted).not.toMatch(/SECRET/);
    expect(redacted).toBe(
      'Reset: https://a.example/reset-password?token=[redacted] and https://b.example/x?a=1&token=[redacted]&b=2',
    );
  });

  it('new tokens are 43 base64url characters, distinct, and only the hash is derived', async () => {
    const [a, b] = await Promise.all([newAccountToken(), newAccountToken()]);
    expect(looksLikeAccountToken(a.token)).toBe(true);
    expect(a.token).not.toBe(b.token);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.hash).not.toContain(a.token);
    expect(looksLikeAccountToken(`${a.token}x`)).toBe(false);
  });
});
