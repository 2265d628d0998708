/**
 * The lookup key of an address: accounts (operators, and customers within a tenant) are found
 * case-insensitively on the whole address (CONTRACT section 2), and surrounding whitespace
 * never counts. Addresses that passed the email validator are already stripped; the one that
 * is not validated as an address (`/auth/token`'s HTTP Basic username) is stripped here, so
 * every lookup, limit key and stored `email_lower` is made by this one function.
 */
export const emailKey = (email: string): string => email.trim().toLowerCase();
