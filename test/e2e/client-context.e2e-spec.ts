import { Controller, Get } from '@nestjs/common';
import { ClientContext, Public } from '../../lib/index.js';
import { createTestApp, type TestApp } from '../fixtures/create-test-app.js';

@Controller('whoami')
class WhoAmIController {
  @Public()
  @Get()
  who(@ClientContext() client: ClientContext): ClientContext {
    return client;
  }
}

describe('@ClientContext() on a host route', () => {
  let apps: TestApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.map((t) => t.close()));
    apps = [];
  });

  it('gives the client address and the user agent; X-Forwarded-For is ignored by default', async () => {
    const t = await createTestApp({ controllers: [WhoAmIController] });
    apps.push(t);
    const res = await t.http.get('/whoami').set('User-Agent', 'probe/1.0').set('X-Forwarded-For', '203.0.113.7').expect(200);
    expect(res.body.userAgent).toBe('probe/1.0');
    expect(res.body.ip).toMatch(/127\.0\.0\.1|::1/);
  });

  it('with trustProxyHeaders: the first X-Forwarded-For entry, as the module’s own routes read it', async () => {
    const t = await createTestApp({ controllers: [WhoAmIController], options: { trustProxyHeaders: true } });
    apps.push(t);
    const res = await t.http.get('/whoami').set('X-Forwarded-For', '203.0.113.7, 10.0.0.1').expect(200);
    expect(res.body.ip).toBe('203.0.113.7');
  });
});
