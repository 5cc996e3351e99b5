// Mints bearer tokens with jose, the way a client's identity provider would.
import { SignJWT, exportJWK, generateKeyPair } from "jose";

/**
 * @typedef {object} TokenOptions
 * @property {string | null} [sub] the subject ("alice"); null for a token without one
 * @property {string | number | Date | null} [expiresIn] as jose's setExpirationTime: "10m", a time in epoch
 *   seconds or a Date; null for a token without exp
 * @property {import("jose").JWTPayload} [claims]
 * @property {Record<string, unknown>} [header] added to (or overriding) the protected header
 */

/**
 * @param {string} secret
 * @param {TokenOptions} [options]
 */
export async function hs256Token(secret, { sub = "alice", expiresIn = "10m", claims = {}, header = {} } = {}) {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT", ...header }).setIssuedAt();
  if (sub !== null) jwt = jwt.setSubject(sub);
  if (expiresIn !== null) jwt = jwt.setExpirationTime(expiresIn);
  return jwt.sign(new TextEncoder().encode(secret));
}

// A key pair plus its public JWK (with kid and alg), for a JWT_JWKS.
export async function asymmetricKey(alg, kid) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { alg, kid, privateKey, jwk };
}

/**
 * @param {{alg: string, kid: string, privateKey: CryptoKey | import("node:crypto").KeyObject}} key from asymmetricKey
 * @param {TokenOptions} [options]
 */
export async function signedToken(key, { sub = "alice", expiresIn = "10m", claims = {}, header = {} } = {}) {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT", ...header }).setIssuedAt();
  if (sub !== null) jwt = jwt.setSubject(sub);
  if (expiresIn !== null) jwt = jwt.setExpirationTime(expiresIn);
  return jwt.sign(key.privateKey);
}

export function bearer(token) {
  return { authorization: `Bearer ${token}`, "content-type": "application/json" };
}

// Today in UTC as YYYYMMDD, for file names that pass the naming standard's date rule.
export function today() {
  return new Date().toISOString().slice(0, 10).replace(/-/g, "");
}
