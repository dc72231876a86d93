/** One spelling per address, so the same reader is one supporter however they type it. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
