/**
 * RFC 6266: an ASCII `filename` for old clients plus `filename*` (RFC 8187) with the exact UTF-8
 * name. Export and download names are ASCII slugs today; the encoded form keeps that from being a
 * requirement. Quotes, backslashes and control characters never reach the header.
 */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  // encodeURIComponent leaves ' ( ) * as they are, which RFC 8187's attr-char does not allow.
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
