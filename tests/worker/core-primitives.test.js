// The core's primitives checked inside workerd itself (the same wasm the Worker runs), against the published
// vectors: FIPS 180-2 for SHA-256 and RFC 4231 for HMAC-SHA256.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { Core } from "../../shim/core.js";
import { startWorker } from "./harness.js";

let probe;
before(async () => {
  probe = await startWorker({ scriptPath: "tests/worker/fixtures/core-probe.js" });
});
after(() => probe?.dispose());

async function core(message) {
  const response = await probe.fetch("/", { method: "POST", body: JSON.stringify(message) });
  assert.equal(response.status, 200);
  return response.json();
}

const hex = (text) => Buffer.from(text, "latin1").toString("hex");

describe("SHA-256 in workerd (FIPS 180-2)", () => {
  const vectors = [
    ["", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
    ["abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
    [
      "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    ],
  ];
  for (const [message, digest] of vectors) {
    it(`sha256(${JSON.stringify(message.slice(0, 8))}…)`, async () => {
      const answer = await core({ op: "digest", algorithm: "sha256", data_hex: hex(message), key_hex: "" });
      assert.equal(answer.hex, digest);
    });
  }
});

describe("HMAC-SHA256 in workerd (RFC 4231)", () => {
  const vectors = [
    ["0b".repeat(20), hex("Hi There"), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"],
    [hex("Jefe"), hex("what do ya want for nothing?"), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"],
    ["aa".repeat(20), "dd".repeat(50), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"],
    [
      "aa".repeat(131),
      hex("Test Using Larger Than Block-Size Key - Hash Key First"),
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
    ],
  ];
  vectors.forEach(([key, data, mac], index) => {
    it(`vector ${index + 1}`, async () => {
      const answer = await core({ op: "digest", algorithm: "hmac-sha256", data_hex: data, key_hex: key });
      assert.equal(answer.hex, mac);
    });
  });
});

// The probe ops above live only in the test module (build/wasm/upgate-probe.wasm); the Worker's own module,
// run here through the shim's marshalling as workerd runs it, answers them as unknown ops.
describe("the Worker's module has no probe ops", () => {
  it("digest, sigv4_presign, jwt_verify and routes are unknown ops in build/wasm/upgate.wasm", () => {
    const production = new Core(new WebAssembly.Module(readFileSync("build/wasm/upgate.wasm")));
    assert.equal(production.call({ op: "configure", env: { APP_ENV: "development" } }).env, "development");
    for (const op of ["digest", "sigv4_presign", "jwt_verify", "routes"]) {
      assert.deepEqual(production.call({ op, algorithm: "sha256", data_hex: "", key_hex: "" }), { error: "unknown op" });
    }
  });
});
