import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { BoundedPasswordHasher } from './bounded-password-hasher.js';

/**
 * Closes the module's password hasher at application shutdown (its `close`, when it has one: the
 * default argon2id hasher ends its hashing threads). `onApplicationShutdown` runs after Nest closed
 * the HTTP server, so no request is hashing any more.
 */
@Injectable()
export class PasswordHasherShutdown implements OnApplicationShutdown {
  constructor(@Inject(BoundedPasswordHasher) private readonly hasher: BoundedPasswordHasher) {}

  async onApplicationShutdown(): Promise<void> {
    await this.hasher.close();
  }
}
