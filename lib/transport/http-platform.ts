import { Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { AuthRequest, AuthResponse } from './http.types.js';

/**
 * What the module needs from the HTTP platform under Nest (Express, Fastify): write a status, a
 * header, `Set-Cookie` lines and a whole response, and read a body the host app did not parse.
 * Requests are read the same way on both (`method`, `url`, `headers`, `ip`, `body`); cookies come
 * from the raw `Cookie` header (see `cookies.ts`), so no cookie plugin is needed on either.
 *
 * One implementation is picked at start-up from Nest's HTTP adapter ({@link HttpPlatformRef}), so
 * handlers never branch on the platform.
 */
export interface HttpPlatform {
  /** `express`, `fastify`, or `unknown` (duck-typed, for other adapters and apps without DI). */
  readonly name: string;
  /** Sets the status of a response a handler returns (`@Res({ passthrough: true })`). */
  setStatus(res: AuthResponse, code: number): void;
  /** Sets (replaces) a response header. */
  setHeader(res: AuthResponse, name: string, value: string): void;
  /** Adds `Set-Cookie` lines, keeping those already set (by the app, a cookie plugin, …). */
  appendSetCookie(res: AuthResponse, lines: readonly string[]): void;
  /** Sends a whole response (problem documents); does nothing when the response was already sent. */
  send(res: unknown, status: number, headers: Readonly<Record<string, string>>, body: string): void;
  /** The request's body as a byte stream, for a body the host app left unparsed (the form endpoint). */
  bodyStream(req: AuthRequest): AsyncIterable<Buffer> & { readableEnded?: boolean };
}

interface NodeResponse {
  statusCode: number;
  headersSent: boolean;
  getHeader(name: string): string | number | string[] | undefined;
  setHeader(name: string, value: string | string[]): unknown;
}
interface ExpressResponse extends NodeResponse {
  status(code: number): ExpressResponse;
  send(body: string): unknown;
}
interface FastifyReply {
  sent: boolean;
  raw: NodeResponse;
  code(code: number): FastifyReply;
  header(name: string, value: string | string[]): FastifyReply;
  send(body: string): unknown;
}
type BodyStream = AsyncIterable<Buffer> & { readableEnded?: boolean };

function appendToNodeResponse(res: NodeResponse, lines: readonly string[]): void {
  const existing = res.getHeader('set-cookie');
  const previous = existing === undefined ? [] : Array.isArray(existing) ? existing.map(String) : [String(existing)];
  res.setHeader('Set-Cookie', [...previous, ...lines]);
}

/** Express (and Node's own response): `statusCode`, `setHeader`, `send`. */
export const expressPlatform: HttpPlatform = {
  name: 'express',
  setStatus(res, code) {
    (res as unknown as NodeResponse).statusCode = code;
  },
  setHeader(res, name, value) {
    (res as unknown as NodeResponse).setHeader(name, value);
  },
  appendSetCookie(res, lines) {
    if (lines.length > 0) appendToNodeResponse(res as unknown as NodeResponse, lines);
  },
  send(res, status, headers, body) {
    const express = res as ExpressResponse;
    if (express.headersSent) return;
    for (const name in headers) express.setHeader(name, headers[name]);
    express.status(status).send(body);
  },
  bodyStream(req) {
    return req as unknown as BodyStream;
  },
};

/**
 * Fastify's reply: `code`, `header` (which appends `set-cookie` values, so lines set by
 * `@fastify/cookie` or the app stay), `send`; the request's stream is `request.raw`.
 */
export const fastifyPlatform: HttpPlatform = {
  name: 'fastify',
  setStatus(res, code) {
    (res as unknown as FastifyReply).code(code);
  },
  setHeader(res, name, value) {
    (res as unknown as FastifyReply).header(name, value);
  },
  appendSetCookie(res, lines) {
    const reply = res as unknown as FastifyReply;
    for (const line of lines) reply.header('set-cookie', line);
  },
  send(res, status, headers, body) {
    const reply = res as FastifyReply;
    if (reply.sent || reply.raw.headersSent) return;
    for (const name in headers) reply.header(name, headers[name]);
    reply.code(status).send(body);
  },
  bodyStream(req) {
    return (req as unknown as { raw: BodyStream }).raw;
  },
};

/**
 * Any other platform, or a response met without the module's DI (an app's own
 * `new ProblemDetailsFilter()`): tells Express-like from Fastify-like responses by their methods.
 */
export const detectingPlatform: HttpPlatform = {
  name: 'unknown',
  setStatus: (res, code) => platformOfResponse(res).setStatus(res, code),
  setHeader: (res, name, value) => platformOfResponse(res).setHeader(res, name, value),
  appendSetCookie: (res, lines) => platformOfResponse(res).appendSetCookie(res, lines),
  send: (res, status, headers, body) => platformOfResponse(res).send(res, status, headers, body),
  bodyStream: (req) => ('raw' in req && req.raw !== undefined ? fastifyPlatform : expressPlatform).bodyStream(req),
};

function platformOfResponse(res: unknown): HttpPlatform {
  return typeof (res as Partial<NodeResponse>).setHeader === 'function' ? expressPlatform : fastifyPlatform;
}

/** The implementation for a Nest HTTP adapter type (`HttpAdapterHost.httpAdapter.getType()`). */
export function httpPlatformFor(type: string | undefined): HttpPlatform {
  if (type === 'express') return expressPlatform;
  if (type === 'fastify') return fastifyPlatform;
  return detectingPlatform;
}

const FORM_TYPE = 'application/x-www-form-urlencoded';
/** Where the guard puts the principal (`AuthRequest.user`). */
const USER_PROPERTY = 'user';

interface FastifyInstanceLike {
  hasContentTypeParser(type: string): boolean;
  addContentTypeParser(type: string, parser: (req: unknown, payload: unknown) => Promise<undefined>): void;
  hasRequestDecorator(name: string): boolean;
  decorateRequest(name: string, value: null): void;
  register(plugin: ((instance: FastifyInstanceLike) => Promise<void>) & Record<symbol, unknown>): unknown;
}

/**
 * The platform of the app the module runs in, picked once: when the module's providers are built
 * (`NestFactory.create` knows the adapter by then) and again at `onModuleInit` (a testing module
 * learns it only in `createNestApplication`). Consumers read `platform`; nothing branches per request.
 *
 * On Fastify it also makes sure a form body reaches the token endpoint when the app registers no
 * parser for it (`bodyParser: false`, no `@fastify/formbody`): a parser that reads nothing, so the
 * endpoint reads the body itself, with its own limit, as it does on Express without a parser. And it
 * declares the request's `user` (`decorateRequest('user', null)`, unless the app or a plugin already
 * has): every Fastify request is then built with the property the guard sets, instead of changing
 * shape on each guarded request (Fastify's advice; it cut the guard's cost on a GET about in half).
 */
@Injectable()
export class HttpPlatformRef implements OnModuleInit {
  platform: HttpPlatform = detectingPlatform;

  constructor(@Optional() private readonly adapterHost?: HttpAdapterHost) {
    this.pick();
  }

  onModuleInit(): void {
    this.pick();
    if (this.platform === fastifyPlatform) this.prepareFastify();
  }

  private pick(): void {
    const adapter = this.adapterHost?.httpAdapter as { getType?: () => string } | undefined;
    this.platform = httpPlatformFor(adapter?.getType?.());
  }

  /**
   * The form pass-through and the `user` decorator, registered as a plugin, so that what the app
   * registers before `ready()` (e.g. `@fastify/formbody`, `@fastify/passport`) is seen first.
   */
  private prepareFastify(): void {
    const instance = this.adapterHost?.httpAdapter?.getInstance<FastifyInstanceLike | undefined>();
    if (instance === undefined || typeof instance.register !== 'function') return;
    const plugin = (root: FastifyInstanceLike): Promise<void> => {
      if (!root.hasContentTypeParser(FORM_TYPE)) root.addContentTypeParser(FORM_TYPE, () => Promise.resolve(undefined));
      if (!root.hasRequestDecorator(USER_PROPERTY)) root.decorateRequest(USER_PROPERTY, null);
      return Promise.resolve();
    };
    // fastify-plugin's mark: the parser applies to the whole app, not a child context.
    Object.assign(plugin, { [Symbol.for('skip-override')]: true });
    void instance.register(plugin as typeof plugin & Record<symbol, unknown>);
  }
}
