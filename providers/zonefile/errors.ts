/** A zone file apexsync cannot read with certainty; the message starts with `file:line`. */
export class ZoneSyntaxError extends Error {
  override readonly name = 'ZoneSyntaxError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
  }
}
