import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createSecretBox, isEncrypted, SecretKeyError } from "./secret-box";

const KEY_A = "a".repeat(32);
const KEY_B = "b".repeat(32);

describe("secret box", () => {
  it("round-trips a value in the enc:v1 format with a fresh IV each time", () => {
    const box = createSecretBox(KEY_A);
    const one = box.encrypt("hunter2 ✓");
    const two = box.encrypt("hunter2 ✓");
    assert.match(one, /^enc:v1:[A-Za-z0-9+/=]{16}:[A-Za-z0-9+/=]{24}:[A-Za-z0-9+/=]+$/);
    assert.notEqual(one, two);
    assert.ok(!one.includes("hunter2"));
    assert.equal(box.decrypt(one), "hunter2 ✓");
    assert.equal(box.decrypt(two), "hunter2 ✓");
  });

  it("passes plain text from before encryption through", () => {
    assert.equal(createSecretBox(KEY_A).decrypt("legacy-secret"), "legacy-secret");
    assert.equal(createSecretBox(undefined).decrypt("legacy-secret"), "legacy-secret");
    assert.ok(!isEncrypted("legacy-secret"));
  });

  it("fails clearly with a wrong key, no key, or a damaged value", () => {
    const sealed = createSecretBox(KEY_A).encrypt("s");
    assert.throws(
      () => createSecretBox(KEY_B).decrypt(sealed),
      (err: unknown) => {
        assert.ok(err instanceof SecretKeyError);
        assert.match(err.message, /SECRET_KEY \(and SECRET_KEY_PREVIOUS\) is not the key it was encrypted with/);
        return true;
      },
    );
    assert.throws(() => createSecretBox(undefined).decrypt(sealed), /SECRET_KEY is not set/);
    assert.throws(() => createSecretBox(undefined).encrypt("s"), /SECRET_KEY is not set/);
    const [, , iv, tag, body] = sealed.split(":");
    const flipped = Buffer.from(body!, "base64");
    flipped[0] = flipped[0]! ^ 1;
    assert.throws(
      () => createSecretBox(KEY_A).decrypt(`enc:v1:${iv}:${tag}:${flipped.toString("base64")}`),
      SecretKeyError,
    );
    assert.throws(() => createSecretBox(KEY_A).decrypt("enc:v1:garbage"), /not in the enc:v1 format/);
  });

  it("still decrypts with SECRET_KEY_PREVIOUS after a rotation, and encrypts with the new key", () => {
    const old = createSecretBox(KEY_A).encrypt("s");
    const rotated = createSecretBox(KEY_B, KEY_A);
    assert.equal(rotated.decrypt(old), "s");
    const fresh = rotated.encrypt("s");
    assert.equal(createSecretBox(KEY_B).decrypt(fresh), "s");
    assert.throws(() => createSecretBox(KEY_A).decrypt(fresh), SecretKeyError);
  });
});
