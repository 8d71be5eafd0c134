import { inspect } from 'node:util';

/**
 * A credential from the config. It prints as `[redacted]` everywhere (String(), JSON, util.inspect,
 * pino), so handing a settings object to a logger or an error message cannot leak it. Only the
 * adapter that needs the value calls `reveal()`.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return '[redacted]';
  }
}
