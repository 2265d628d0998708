import { ConfigError, loadConfig } from '../../../src/config';

/** Which relying party passkeys belong to, and which pages may run their ceremonies. */
describe('passkey settings', () => {
  it("default to PUBLIC_URL's host as the RP ID and PUBLIC_URL, SITE_URL and CORS_ORIGINS as origins", () => {
    expect(loadConfig({}).webauthn).toEqual({ rpId: 'localhost', origins: ['http://localhost:8000'] });
    expect(
      loadConfig({ PUBLIC_URL: 'https://id.example.com/', SITE_URL: 'https://app.example.com/account', CORS_ORIGINS: 'https://admin.example.com,https://app.example.com,http://localhost:5173' }).webauthn,
    ).toEqual({ rpId: 'id.example.com', origins: ['https://id.example.com', 'https://app.example.com', 'https://admin.example.com', 'http://localhost:5173'] });
  });

  it('WEBAUTHN_RP_ID names a parent domain shared with the frontend', () => {
    const env = { PUBLIC_URL: 'https://id.example.com', SITE_URL: 'https://app.example.com' };
    expect(loadConfig({ ...env, WEBAUTHN_RP_ID: 'Example.com' }).webauthn.rpId).toBe('example.com');
    expect(loadConfig({ ...env, WEBAUTHN_RP_ID: 'app.example.com' }).webauthn.rpId).toBe('app.example.com');
  });

  it.each(['other.com', 'ample.com', 'https://example.com', 'example.com:443', 'sub.id.example.com', '.example.com'])(
    'refuses WEBAUTHN_RP_ID=%s, which no page of ours could use',
    (rpId) => {
      let error: unknown;
      try {
        loadConfig({ PUBLIC_URL: 'https://id.example.com', WEBAUTHN_RP_ID: rpId });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([expect.stringMatching(new RegExp(`^WEBAUTHN_RP_ID must be the host of PUBLIC_URL, SITE_URL or a CORS origin, or a parent domain of one .*\\(got "${rpId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"\\)$`))]);
    },
  );
});
