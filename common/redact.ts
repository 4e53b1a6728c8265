// Secrets that ride inside URLs (a state backend such as postgres://user:pass@host/db, a presigned
// or SAS query string) are masked wherever the tool shows text: stderr, summaries, evidence.
// The value the engine is given is never changed; only what is shown.

/** Query parameters whose value is a secret, compared in lower case. */
const SECRET_PARAMS = new Set([
  "password",
  "passwd",
  "pwd",
  "secret",
  "token",
  "access_token",
  "sig",
  "signature",
  "x-amz-signature",
  "x-amz-credential",
  "x-amz-security-token",
  "sv",
  "se",
  "sp",
  "sr",
  "skoid",
  "sktid",
  "awssecretaccesskey",
  "awsaccesskeyid",
  "awssessiontoken",
  "credentials",
  "key",
  "apikey",
  "api_key",
  "client_secret",
]);

export const MASK = "***";

/** `scheme://user:pass@host...` becomes `scheme://***@host...`, and secret query values `***`. */
export function redactUrls(text: string): string {
  return text
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@'"]+@/gi, `$1${MASK}@`)
    .replace(/([?&;])([^=&\s'"#]+)=([^&\s'"#]*)/g, (whole, sep: string, name: string, value: string) =>
      // Punctuation that ends a sentence around the URL is kept: "...&password=x: timeout".
      SECRET_PARAMS.has(decodeName(name).toLowerCase()) ? `${sep}${name}=${MASK}${/[.,:;)\]]*$/.exec(value)?.[0] ?? ""}` : whole,
    );
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}
