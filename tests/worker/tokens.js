// Mints bearer tokens with jose, the way a client's identity provider would.
import { SignJWT, exportJWK, generateKeyPair } from "jose";

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
