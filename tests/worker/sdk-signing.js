// Presigning as the AWS SDK for JavaScript does it (@smithy/signature-v4 with @aws-crypto/sha256-js), for tests
// that hold Upgate's URLs and verifier to the SDK's. The options that matter are explained in sigv4.test.js.
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";

// RFC 3986 encoding of one segment (what SigV4 calls UriEncode): everything but A-Z a-z 0-9 - . _ ~.
export const uriEncode = (text) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
// S3's path encoding: each segment encoded once, '/' kept (so "a//b" keeps its empty segment).
export const s3EncodePath = (decodedPath) => decodedPath.split("/").map(uriEncode).join("/");

export const UNSIGNED = "x-amz-content-sha256";

// The SDK's presign for an S3-style request. `path` is the once-encoded path; `headers` excludes host.
/**
 * @param {object} options
 * @param {{accessKeyId: string, secretAccessKey: string}} options.credentials
 * @param {string} [options.method]
 * @param {string} [options.protocol]
 * @param {string} options.hostname
 * @param {number} [options.port]
 * @param {string} options.path
 * @param {Record<string, string>} [options.headers]
 * @param {Date} options.signingDate
 * @param {number} options.expiresIn
 * @param {string[]} [options.unhoistable] x-amz-* headers to keep signed as headers instead of hoisting them
 * @param {boolean} [options.uriEscapePath]
 * @param {boolean} [options.hoistPayloadHash] put X-Amz-Content-Sha256 in the query, as s3-request-presigner does
 */
export async function sdkPresign({
  credentials,
  method = "PUT",
  protocol = "https:",
  hostname,
  port,
  path,
  headers = {},
  signingDate,
  expiresIn,
  unhoistable = [],
  uriEscapePath = false,
  hoistPayloadHash = false,
}) {
  const signer = new SignatureV4({ service: "s3", region: "auto", credentials, sha256: Sha256, uriEscapePath });
  const host = port ? `${hostname}:${port}` : hostname;
  const request = new HttpRequest({
    method,
    protocol,
    hostname,
    port,
    path,
    query: {},
    headers: { ...headers, host, [UNSIGNED]: "UNSIGNED-PAYLOAD" },
  });
  const hidden = hoistPayloadHash ? [] : [UNSIGNED];
  const presigned = await signer.presign(request, {
    signingDate,
    expiresIn,
    unsignableHeaders: new Set(hidden),
    unhoistableHeaders: new Set([...hidden, ...unhoistable]),
  });
  const query = Object.entries(presigned.query)
    .map(([name, value]) => `${uriEncode(name)}=${uriEncode(value)}`)
    .join("&");
  return {
    signature: presigned.query["X-Amz-Signature"],
    query: presigned.query,
    url: `${protocol}//${host}${path}?${query}`,
  };
}

export const amzDateToDate = (amz) =>
  new Date(`${amz.slice(0, 4)}-${amz.slice(4, 6)}-${amz.slice(6, 8)}T${amz.slice(9, 11)}:${amz.slice(11, 13)}:${amz.slice(13, 15)}Z`);

