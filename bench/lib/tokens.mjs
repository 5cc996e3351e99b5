// Bearer tokens for the bench subject, minted with jose the way a client's identity provider would.
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { SUBJECT } from "./workers.mjs";

const LIFETIME = "2h"; // outlives any run

export function hs256Token(secret) {
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(SUBJECT)
    .setIssuedAt()
    .setExpirationTime(LIFETIME)
    .sign(new TextEncoder().encode(secret));
}

// An RS256 (2048-bit) or ES256 (P-256) key pair with its public JWK, for JWT_JWKS.
export async function asymmetricKey(alg, kid) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

export function signedToken(key) {
  return new SignJWT({})
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT" })
    .setSubject(SUBJECT)
    .setIssuedAt()
    .setExpirationTime(LIFETIME)
    .sign(key.privateKey);
}
