/**
 * Social and enterprise sign-in (docs/social-login.md): providers by configuration, the SQL store
 * of the links, and a provider of your own on the OAuth 2.0 interface.
 */
import { Controller, Get } from '@nestjs/common';
import {
  AuthModule,
  CurrentUser,
  MemoryUserStore,
  OAuthService,
  oauthProviders,
  type AuthPrincipal,
  type IdentityView,
  type OAuthProfile,
} from 'nest-gatekeeper';
import { TypeOrmIdentityStore } from 'nest-gatekeeper/typeorm';
import { DataSource } from 'typeorm';

const env = (name: string): string => process.env[name] ?? '';

export const authWithSocialLogin = AuthModule.forRoot({
  jwt: { secret: process.env.JWT_SECRET },
  userStore: MemoryUserStore,
  oauth: {
    // The app's public URL: each provider's callback is <baseUrl>/auth/oauth/<name>/callback.
    baseUrl: 'https://api.example.com',
    // The SPA the browser returns to (paths on baseUrl are always allowed).
    returnToOrigins: ['https://app.example.com'],
    providers: {
      google: oauthProviders.google({ clientId: env('GOOGLE_CLIENT_ID'), clientSecret: env('GOOGLE_CLIENT_SECRET') }),
      github: oauthProviders.github({ clientId: env('GITHUB_CLIENT_ID'), clientSecret: env('GITHUB_CLIENT_SECRET') }),
      // Your company's IdP (Keycloak, Okta, Entra ID, Auth0, …): any OpenID Connect issuer.
      corp: { type: 'oidc', issuer: 'https://sso.example.com/realms/staff', clientId: 'api', clientSecret: env('SSO_SECRET'), label: 'Staff SSO' },
    },
    linking: 'verified-email', // the default: see "Linking rules"
  },
  // auth_identities (migration NestGatekeeperIdentities): durable and shared by every instance.
  identityStore: { useFactory: (dataSource: DataSource) => new TypeOrmIdentityStore(dataSource), inject: [DataSource] },
});

/** A plain OAuth 2.0 provider: the endpoints, and how to read who signed in with its access token. */
export const gitLab = {
  type: 'oauth2' as const,
  label: 'GitLab',
  clientId: env('GITLAB_CLIENT_ID'),
  clientSecret: env('GITLAB_CLIENT_SECRET'),
  scopes: ['read_user'],
  authorizationEndpoint: 'https://gitlab.example.com/oauth/authorize',
  tokenEndpoint: 'https://gitlab.example.com/oauth/token',
  async profile(accessToken: string): Promise<OAuthProfile> {
    const res = await fetch('https://gitlab.example.com/api/v4/user', { headers: { authorization: `Bearer ${accessToken}` } });
    const user = (await res.json()) as { id: number; email: string; confirmed_at: string | null; name: string };
    return { subject: String(user.id), email: user.email, emailVerified: user.confirmed_at !== null, name: user.name };
  },
};

@Controller('security')
export class LinkedAccountsController {
  constructor(private readonly oauth: OAuthService) {}

  /** The caller's linked provider accounts for your own page (the same as GET /auth/identities). */
  @Get('linked-accounts')
  list(@CurrentUser() user: AuthPrincipal): Promise<IdentityView[]> {
    return this.oauth.list(user);
  }
}
