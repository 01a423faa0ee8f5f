import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Public } from 'nest-gatekeeper';

/** The demo page's files (`sample-app/public`), read once at start-up. */
const PUBLIC_DIR = resolve(import.meta.dirname, '..', 'public');
const PAGE = readFileSync(resolve(PUBLIC_DIR, 'index.html'), 'utf8');
const SCRIPT = readFileSync(resolve(PUBLIC_DIR, 'app.js'), 'utf8');

/** Scripts only from this origin, no framing, nothing else loaded. */
const CSP = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * The browser demo at `/`: plain HTML and a few lines of script (no build step) that log in, show
 * `/auth/me`, refresh on a 401 with a single-flight refresh, list sessions and log out; a login that
 * needs a second factor gets an MFA step (method, code, resend, "Trust this device").
 */
@ApiExcludeController()
@Public()
@Controller()
export class DemoPageController {
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', CSP)
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Referrer-Policy', 'no-referrer')
  @Header('Cache-Control', 'no-cache')
  page(): string {
    return PAGE;
  }

  @Get('app.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Cache-Control', 'no-cache')
  script(): string {
    return SCRIPT;
  }
}
