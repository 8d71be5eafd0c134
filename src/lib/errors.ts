/** The message of anything thrown, for an operator (no stack). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
