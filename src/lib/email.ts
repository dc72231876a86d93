/** One spelling per address, so the same reader is one supporter however they type it. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** An optional address, normalised; an empty or missing one is null. */
export function normalizeEmailOrNull(email: string | null | undefined): string | null {
  return email ? normalizeEmail(email) : null;
}
