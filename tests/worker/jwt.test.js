// Bearer-token verification (contract section 3) inside workerd: tokens minted by jose go through the real
// Worker (HS256 in the core, RS256/ES256 through the shim's crypto.subtle), every rejection is a bare 401
// whose reason only the log knows, and the RFC 7515 appendix A vectors go through the core's jwt_verify op.
import assert from "node:assert/strict";
import { createHmac, createPublicKey, verify as nodeVerify, webcrypto } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { developmentBindings, sleep, startWorker } from "./harness.js";
import { asymmetricKey, hs256Token, signedToken } from "./tokens.js";

// ---- helpers --------------------------------------------------------------------------------------------

const nowSeconds = () => Math.floor(Date.now() / 1000);
const b64url = (bytes) => Buffer.from(bytes).toString("base64url");
const BASE64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// A compact JWS over arbitrary header and payload objects, signed by `sign(signingInput) -> base64url`.
function compact(header, payload, sign) {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${sign(input)}`;
}

// HS256 by hand, for headers jose refuses to produce (crit, a kid naming an RSA key) and odd HMAC keys.
function hmacToken(header, payload, key) {
  return compact(header, payload, (input) => createHmac("sha256", key).update(input).digest("base64url"));
}

const segments = (token) => token.split(".");
const withSignature = (token, signature) => [...segments(token).slice(0, 2), signature].join(".");

// Changes one character in the middle of the signature (never the last one, whose low bits are padding).
function tamperSignature(token) {
  const signature = segments(token)[2];
  const at = 10;
  const replacement = signature[at] === "A" ? "B" : "A";
  return withSignature(token, signature.slice(0, at) + replacement + signature.slice(at + 1));
}

// Raw ECDSA r||s (JWS form) to the ASN.1 DER SEQUENCE { INTEGER r, INTEGER s } (X.509 / OpenSSL form).
function derFromRawEcdsa(raw) {
  const integer = (bytes) => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    let value = bytes.subarray(start);
    if (value[0] & 0x80) value = Buffer.concat([Buffer.from([0]), value]);
    return Buffer.concat([Buffer.from([0x02, value.length]), value]);
  };
  const body = Buffer.concat([integer(raw.subarray(0, 32)), integer(raw.subarray(32))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

let requestSeq = 0;
const nextRequestId = (label) => `jwt-${label}-${++requestSeq}`;

function getShoot(worker, token, { shootId = "does-not-exist", requestId = nextRequestId("get") } = {}) {
  const headers = { "x-request-id": requestId };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  return worker.fetch(`/api/shoots/${shootId}`, { headers });
}

// The request log line the Worker wrote for a request id (it is written just after the response).
async function logFor(worker, requestId) {
  for (let attempt = 0; attempt < 100; attempt++) {
    const line = worker.jsonLogs().find((entry) => entry.event === "request" && entry.request_id === requestId);
    if (line) return line;
    await sleep(50);
  }
  assert.fail(`the Worker logged no request line for ${requestId}`);
}

// The token was accepted: the route ran and found no such shoot. The log names the caller.
async function assertAccepted(worker, token, sub = "alice") {
  const requestId = nextRequestId("ok");
  const response = await getShoot(worker, token, { requestId });
  const body = await response.json();
  assert.equal(response.status, 404, JSON.stringify(body));
  assert.equal(body.error.code, "shoot_not_found");
  assert.equal(response.headers.get("www-authenticate"), null);
  assert.equal((await logFor(worker, requestId)).sub, sub);
}

// A bare 401 invalid_token: the contract's header, no detail beyond code/message/request_id, the same message
// whatever the reason, and the reason (a fixed word, wasm/jwt/jwt.cpp) only in the log line.
async function assertRejected(worker, token, reason) {
  const requestId = nextRequestId("bad");
  const response = await getShoot(worker, token, { requestId });
  const text = await response.text();
  assert.equal(response.status, 401, text);
  assert.equal(response.headers.get("www-authenticate"), 'Bearer realm="upgate", error="invalid_token"');
  assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
  const body = JSON.parse(text);
  assert.deepEqual(Object.keys(body), ["error"]);
  assert.deepEqual(Object.keys(body.error).sort(), ["code", "message", "request_id"]);
  assert.equal(body.error.code, "invalid_token");
  assert.equal(body.error.request_id, requestId);
  assert.equal(body.error.message, genericMessage, "the message must not vary with the reason");
  assert.ok(!text.includes(reason), `the response must not name the reason ${reason}`);
  if (token) assert.ok(!text.includes(segments(token)[2] || token), "the response must not echo the token");
  const line = await logFor(worker, requestId);
  assert.equal(line.status, 401);
  assert.equal(line.detail, reason, "the log says why the token was refused");
  assert.equal(line.sub, undefined);
}

// ---- the Worker under test ------------------------------------------------------------------------------

let worker;
let rsa; // RS256, kid "rsa-1", in JWT_JWKS
let ec; // ES256, kid "ec-1", in JWT_JWKS
let stray; // RS256 with a kid JWT_JWKS does not have
let genericMessage; // the 401 message for a token that is plainly garbage

before(async () => {
  [rsa, ec, stray] = await Promise.all([
    asymmetricKey("RS256", "rsa-1"),
    asymmetricKey("ES256", "ec-1"),
    asymmetricKey("RS256", "not-in-jwks"),
  ]);
  worker = await startWorker({
    bindings: developmentBindings({ JWT_JWKS: JSON.stringify({ keys: [rsa.jwk, ec.jwk] }) }),
  });
  const response = await getShoot(worker, "not-a-jwt");
  assert.equal(response.status, 401);
  genericMessage = (await response.json()).error.message;
  assert.ok(genericMessage.length > 0);
});
after(() => worker?.dispose());

const secret = () => worker.bindings.JWT_SECRET;

describe("tokens the Worker accepts", () => {
  it("HS256 minted by jose with JWT_SECRET", async () => {
    await assertAccepted(worker, await hs256Token(secret()));
  });

  it("RS256 minted by jose, verified through the shim's crypto.subtle", async () => {
    await assertAccepted(worker, await signedToken(rsa, { sub: "rs-user" }), "rs-user");
  });

  it("ES256 minted by jose, verified through the shim's crypto.subtle", async () => {
    await assertAccepted(worker, await signedToken(ec, { sub: "es-user" }), "es-user");
  });

  it("a token expired 30 s ago is still inside the 60 s clock skew", async () => {
    await assertAccepted(worker, await hs256Token(secret(), { expiresIn: nowSeconds() - 30 }));
  });
});

describe("every rejection is 401 invalid_token, the reason only in the log", () => {
  it("no Authorization header", async () => {
    await assertRejected(worker, undefined, "missing_bearer_token");
  });

  it("alg: none with an empty signature", async () => {
    const token = compact({ alg: "none", typ: "JWT" }, { sub: "alice", exp: nowSeconds() + 600 }, () => "");
    await assertRejected(worker, token, "alg_none");
  });

  describe("algorithm/key confusion: HS256 whose kid names the RSA key, HMAC-keyed with that public key", () => {
    const confused = (key) =>
      hmacToken({ alg: "HS256", typ: "JWT", kid: rsa.kid }, { sub: "mallory", exp: nowSeconds() + 600 }, key);
    const rsaPublic = () => createPublicKey({ key: { kty: "RSA", n: rsa.jwk.n, e: rsa.jwk.e }, format: "jwk" });

    it("keyed with the PEM (SPKI) text", async () => {
      await assertRejected(worker, confused(rsaPublic().export({ type: "spki", format: "pem" })), "alg_key_mismatch");
    });

    it("keyed with the PKCS#1 PEM text", async () => {
      await assertRejected(worker, confused(rsaPublic().export({ type: "pkcs1", format: "pem" })), "alg_key_mismatch");
    });

    it("keyed with the JWK JSON text", async () => {
      await assertRejected(worker, confused(JSON.stringify(rsa.jwk)), "alg_key_mismatch");
    });
  });

  describe("a signature with one character changed", () => {
    it("HS256 (checked in the core)", async () => {
      await assertRejected(worker, tamperSignature(await hs256Token(secret())), "bad_signature");
    });

    it("RS256 (crypto.subtle answers false)", async () => {
      await assertRejected(worker, tamperSignature(await signedToken(rsa)), "bad_signature");
    });

    it("ES256 (crypto.subtle answers false)", async () => {
      await assertRejected(worker, tamperSignature(await signedToken(ec)), "bad_signature");
    });
  });

  it("expired two minutes ago", async () => {
    await assertRejected(worker, await hs256Token(secret(), { expiresIn: nowSeconds() - 120 }), "expired");
  });

  it("not valid before five minutes from now", async () => {
    const token = await hs256Token(secret(), { claims: { nbf: nowSeconds() + 300 } });
    await assertRejected(worker, token, "not_yet_valid");
  });

  describe("size: 8 KiB is the limit", () => {
    // The longest token whose padding claim keeps it within `limit` bytes, and the one a character longer.
    async function aroundLimit(limit) {
      const mint = (n) => hs256Token(secret(), { claims: { pad: "x".repeat(n) } });
      let low = 0;
      let high = limit;
      while (low < high) {
        const mid = Math.ceil((low + high) / 2);
        if ((await mint(mid)).length <= limit) low = mid;
        else high = mid - 1;
      }
      return { within: await mint(low), over: await mint(low + 1) };
    }

    it("a token of just under 8192 bytes is accepted; the next size up is refused", async () => {
      const { within, over } = await aroundLimit(8192);
      assert.ok(within.length <= 8192 && within.length > 8180, `within: ${within.length}`);
      assert.ok(over.length > 8192, `over: ${over.length}`);
      await assertAccepted(worker, within);
      await assertRejected(worker, over, "too_large");
    });

    it("a token with a 12 KiB claim is refused", async () => {
      const token = await hs256Token(secret(), { claims: { blob: "y".repeat(12 * 1024) } });
      assert.ok(token.length > 8192);
      await assertRejected(worker, token, "too_large");
    });
  });

  describe("malformed base64url (a lenient decoder would accept these, with the signature still valid)", () => {
    it("'=' padding appended to the signature", async () => {
      const token = await hs256Token(secret());
      await assertRejected(worker, token + "=", "bad_base64");
    });

    it("'=' padding appended to the payload segment", async () => {
      const [header, payload, signature] = segments(await hs256Token(secret()));
      await assertRejected(worker, `${header}.${payload}=.${signature}`, "bad_base64");
    });

    it("'+' (standard base64) in place of '-' in the signature", async () => {
      let token = "";
      for (let attempt = 0; attempt < 500 && !segments(token)[2]?.includes("-"); attempt++) {
        token = await hs256Token(secret(), { claims: { jti: `t${attempt}` } });
      }
      assert.ok(segments(token)[2].includes("-"), "found a signature containing '-'");
      await assertRejected(worker, withSignature(token, segments(token)[2].replaceAll("-", "+")), "bad_base64");
    });

    it("non-zero padding bits in the signature's last character", async () => {
      const token = await hs256Token(secret());
      const signature = segments(token)[2];
      assert.equal(signature.length, 43); // 32 bytes: the last character carries 4 bits and 2 zero bits
      const last = BASE64URL_ALPHABET.indexOf(signature.at(-1));
      const altered = signature.slice(0, -1) + BASE64URL_ALPHABET[last | 1];
      assert.notEqual(altered, signature);
      await assertRejected(worker, withSignature(token, altered), "bad_base64");
    });
  });

  it("ES256 whose signature is re-encoded as DER instead of raw r||s", async () => {
    const token = await signedToken(ec);
    const [header, payload, signature] = segments(token);
    const der = derFromRawEcdsa(Buffer.from(signature, "base64url"));
    // The DER form is a genuinely valid signature, only in the wrong encoding for JWS.
    const publicKey = createPublicKey({ key: { kty: "EC", crv: "P-256", x: ec.jwk.x, y: ec.jwk.y }, format: "jwk" });
    assert.ok(nodeVerify("sha256", Buffer.from(`${header}.${payload}`), { key: publicKey, dsaEncoding: "der" }, der));
    await assertRejected(worker, withSignature(token, b64url(der)), "bad_signature_length");
  });

  it("a kid that is not in JWT_JWKS", async () => {
    await assertRejected(worker, await signedToken(stray), "unknown_kid");
  });

  it("a crit header (no extension is understood)", async () => {
    const token = hmacToken(
      { alg: "HS256", typ: "JWT", crit: ["exp"] },
      { sub: "alice", exp: nowSeconds() + 600 },
      secret(),
    );
    await assertRejected(worker, token, "crit");
  });

  it("a token without sub", async () => {
    await assertRejected(worker, await hs256Token(secret(), { sub: null }), "missing_sub");
  });

  it("a token without exp", async () => {
    await assertRejected(worker, await hs256Token(secret(), { expiresIn: null }), "missing_exp");
  });

  it("an RS256 token without sub (the claim checks follow the shim's yes)", async () => {
    await assertRejected(worker, await signedToken(rsa, { sub: null }), "missing_sub");
  });
});

describe("JWT_ISSUER and JWT_AUDIENCE, when set, are required and must match", () => {
  const ISSUER = "https://id.example.test/";
  const AUDIENCE = "upgate-api";
  let strict;
  before(async () => {
    strict = await startWorker({ bindings: developmentBindings({ JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE }) });
  });
  after(() => strict?.dispose());
  const mint = (claims) => hs256Token(strict.bindings.JWT_SECRET, { claims });

  it("the right iss and aud are accepted", async () => {
    await assertAccepted(strict, await mint({ iss: ISSUER, aud: AUDIENCE }));
  });

  it("an aud array that contains the audience is accepted", async () => {
    await assertAccepted(strict, await mint({ iss: ISSUER, aud: ["other", AUDIENCE] }));
  });

  it("a wrong iss is refused", async () => {
    await assertRejected(strict, await mint({ iss: "https://evil.example.test/", aud: AUDIENCE }), "wrong_iss");
  });

  it("a wrong aud is refused", async () => {
    await assertRejected(strict, await mint({ iss: ISSUER, aud: "someone-else" }), "wrong_aud");
  });

  it("a missing iss is refused", async () => {
    await assertRejected(strict, await mint({ aud: AUDIENCE }), "missing_iss");
  });

  it("a missing aud is refused", async () => {
    await assertRejected(strict, await mint({ iss: ISSUER }), "missing_aud");
  });

  it("the first Worker, without JWT_ISSUER/JWT_AUDIENCE, ignores iss and aud", async () => {
    await assertAccepted(worker, await hs256Token(secret(), { claims: { iss: "anyone", aud: "anything" } }));
  });
});

describe("roles: admin may act on any shoot", () => {
  const SHOOT = "alice-wedding";
  const token = (sub, claims = {}) => hs256Token(secret(), { sub, claims });
  const get = async (bearerToken) => {
    const response = await getShoot(worker, bearerToken, { shootId: SHOOT });
    return { status: response.status, body: await response.json() };
  };

  before(async () => {
    const response = await worker.fetch("/api/shoots", {
      method: "POST",
      headers: { authorization: `Bearer ${await token("alice")}`, "content-type": "application/json" },
      body: JSON.stringify({ shootId: SHOOT }),
    });
    assert.equal(response.status, 201, await response.clone().text());
    assert.equal((await response.json()).owner, "alice");
  });

  it("the owner reads her shoot", async () => {
    const { status, body } = await get(await token("alice"));
    assert.equal(status, 200);
    assert.equal(body.owner, "alice");
  });

  it("bob without a role gets 403 not_shoot_owner", async () => {
    const { status, body } = await get(await token("bob"));
    assert.equal(status, 403);
    assert.equal(body.error.code, "not_shoot_owner");
  });

  it('bob with "role": "admin" reads alice\'s shoot', async () => {
    const { status, body } = await get(await token("bob", { role: "admin" }));
    assert.equal(status, 200);
    assert.equal(body.shootId, SHOOT);
    assert.equal(body.owner, "alice");
  });

  it('bob with "roles": ["admin"] reads alice\'s shoot', async () => {
    const { status, body } = await get(await token("bob", { roles: ["viewer", "admin"] }));
    assert.equal(status, 200);
    assert.equal(body.owner, "alice");
  });

  it("other roles grant nothing", async () => {
    for (const claims of [{ role: "editor" }, { roles: ["viewer"] }, { role: "Admin" }, { roles: "admin" }]) {
      const { status, body } = await get(await token("bob", claims));
      assert.equal(status, 403, JSON.stringify(claims));
      assert.equal(body.error.code, "not_shoot_owner");
    }
  });

  it("an admin RS256 token works through the shim path too", async () => {
    const { status, body } = await get(await signedToken(rsa, { sub: "bob", claims: { role: "admin" } }));
    assert.equal(status, 200);
    assert.equal(body.owner, "alice");
  });
});

// ---- RFC 7515 appendix A through the core's jwt_verify op -------------------------------------------------

// The payload shared by A.1-A.3: {"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}.
// It has no sub, so a token whose signature stage passes ends at the claim checks with missing_sub.
const RFC_PAYLOAD = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
const BEFORE_RFC_EXP = 1300819000; // exp is 1300819380
const RFC = {
  A2: {
    name: "A.2 (RS256)",
    jwk: {
      kty: "RSA",
      kid: "2010-12-29",
      e: "AQAB",
      n:
        "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-" +
        "pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-" +
        "KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-" +
        "DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",
    },
    header: "eyJhbGciOiJSUzI1NiJ9", // {"alg":"RS256"}
    signature:
      "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1d" +
      "nZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--" +
      "xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_" +
      "IoypGlUPQGe77Rw",
    webcrypto: { import: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, verify: { name: "RSASSA-PKCS1-v1_5" } },
  },
  A3: {
    name: "A.3 (ES256)",
    jwk: {
      kty: "EC",
      kid: "e9bc097a-ce51-4036-9562-d2ade882db0d",
      crv: "P-256",
      x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
      y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
    },
    header: "eyJhbGciOiJFUzI1NiJ9", // {"alg":"ES256"}
    signature: "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q",
    webcrypto: { import: { name: "ECDSA", namedCurve: "P-256" }, verify: { name: "ECDSA", hash: "SHA-256" } },
  },
};
// A.1 (HS256): its key is the base64url "k" below; the probe can only hand the core env *strings*, and these
// 64 bytes are not valid UTF-8, so A.1 cannot be configured as JWT_SECRET here. tests/unit/jwt_test.cpp covers
// A.1 natively with the raw key bytes.
const RFC_A1_K = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";

describe("RFC 7515 appendix A through the core's jwt_verify op (probe Worker)", () => {
  let probe;
  before(async () => {
    probe = await startWorker({
      scriptPath: "tests/worker/fixtures/core-probe.js",
      bindings: developmentBindings({ JWT_JWKS: JSON.stringify({ keys: [RFC.A2.jwk, RFC.A3.jwk] }) }),
    });
  });
  after(() => probe?.dispose());

  async function jwtVerify(token, results = {}) {
    const response = await probe.fetch("/", {
      method: "POST",
      body: JSON.stringify({ op: "jwt_verify", token, now_seconds: BEFORE_RFC_EXP, results }),
    });
    assert.equal(response.status, 200);
    const answer = await response.json();
    assert.equal(answer.error, undefined, JSON.stringify(answer));
    return answer;
  }

  for (const vector of [RFC.A2, RFC.A3]) {
    describe(vector.name, () => {
      const signingInput = `${vector.header}.${RFC_PAYLOAD}`;
      const token = `${signingInput}.${vector.signature}`;

      it("asks for a signature check over exactly the RFC's signing input and signature", async () => {
        const answer = await jwtVerify(token);
        assert.equal(answer.kind, "needs_signature_check");
        assert.equal(answer.check.signingInput, signingInput);
        assert.equal(answer.check.signature, vector.signature);
        assert.equal(answer.check.kid, vector.jwk.kid); // the RFC token has no kid: the only key of its alg
        assert.match(answer.check.id, /^[0-9a-f]{64}$/);
      });

      it("the RFC signature verifies with webcrypto under the key the core hands out", async () => {
        const { check } = await jwtVerify(token);
        const key = await webcrypto.subtle.importKey("jwk", check.jwk, vector.webcrypto.import, false, ["verify"]);
        const valid = await webcrypto.subtle.verify(
          vector.webcrypto.verify,
          key,
          Buffer.from(check.signature, "base64url"),
          Buffer.from(check.signingInput),
        );
        assert.equal(valid, true);
      });

      it("answered true under check.id, it passes the signature stage and stops at missing_sub", async () => {
        const { check } = await jwtVerify(token);
        const answer = await jwtVerify(token, { [check.id]: true });
        assert.equal(answer.kind, "invalid");
        assert.equal(answer.reason, "missing_sub");
      });

      it("answered false, it is a bad signature", async () => {
        const { check } = await jwtVerify(token);
        const answer = await jwtVerify(token, { [check.id]: false });
        assert.equal(answer.kind, "invalid");
        assert.equal(answer.reason, "bad_signature");
      });

      it("an answer under any other id is ignored: it still asks", async () => {
        const { check } = await jwtVerify(token);
        const other = check.id.replace(/^./, (c) => (c === "0" ? "1" : "0"));
        const answer = await jwtVerify(token, { [other]: true, ["f".repeat(64)]: true });
        assert.equal(answer.kind, "needs_signature_check");
        assert.equal(answer.check.id, check.id);
      });

      it("after exp (plus the skew) the same verified token is expired", async () => {
        const { check } = await jwtVerify(token);
        const response = await probe.fetch("/", {
          method: "POST",
          body: JSON.stringify({ op: "jwt_verify", token, now_seconds: 1300819380 + 61, results: { [check.id]: true } }),
        });
        const answer = await response.json();
        assert.equal(answer.kind, "invalid");
        assert.equal(answer.reason, "expired");
      });
    });
  }

  it("A.1 (HS256) is covered natively: its key bytes cannot travel as an env string", () => {
    const key = Buffer.from(RFC_A1_K, "base64url");
    assert.equal(key.length, 64);
    assert.throws(() => new TextDecoder("utf-8", { fatal: true }).decode(key), TypeError);
  });
});
