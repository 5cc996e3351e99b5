// The browser side of uppy.test.js, bundled once per Uppy major: esbuild points "@uppy/core" and "@uppy/aws-s3"
// at that major's packages. window.uploadThroughUpgate(options) builds the files, uploads them with Uppy's AwsS3
// plugin (one presigned PUT each, no multipart), completes each upload on `upload-success`, and resolves with
// what happened, for the test to check: a failed step or a timeout is part of that record, not a rejection.
import Uppy from "@uppy/core";
import AwsS3 from "@uppy/aws-s3";

const JPEG_HEADER = [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00];
const major = Number(Uppy.VERSION.split(".")[0]);

function jpegBytes(size) {
  const bytes = crypto.getRandomValues(new Uint8Array(size));
  bytes.set(JPEG_HEADER);
  return bytes;
}

async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

const withoutQuery = (url) => url.split("?")[0];

// A browser sets Content-Length from the body itself and refuses a script that tries to (XHR logs "Refused to set
// unsafe header"), so it is the one header of a presign answer the page does not pass on.
const browserHeaders = (headers) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== "content-length"));

// Uppy 6 reads the PUT's ETag with getResponseHeader but does not hand it to `upload-success`: record each read,
// by URL without its query (which is the `uploadURL` Uppy reports).
const etagReads = new Map();
const getResponseHeader = XMLHttpRequest.prototype.getResponseHeader;
XMLHttpRequest.prototype.getResponseHeader = function (name) {
  const value = getResponseHeader.call(this, name);
  if (name.toLowerCase() === "etag") etagReads.set(withoutQuery(this.responseURL), value);
  return value;
};

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

window.uploadThroughUpgate = async ({ workerUrl, token, shootId, files, timeoutMs }) => {
  async function api(path, body) {
    const response = await fetch(new URL(path, workerUrl), {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }

  const record = { versions: { core: Uppy.VERSION, awsS3: AwsS3.VERSION }, files: {}, uploadErrors: [] };

  async function presign(file) {
    const { sha256 } = file.meta;
    const answer = await api("/api/uploads/presign", {
      shootId,
      filename: file.name,
      contentType: file.type,
      size: file.size,
      ...(sha256 ? { sha256 } : {}),
    });
    record.files[file.name].presign = answer;
    if (answer.status !== 200) throw new Error(`presign answered ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  const uppy = new Uppy({ autoProceed: false });
  if (major === 5) {
    uppy.use(AwsS3, {
      shouldUseMultipart: false,
      async getUploadParameters(file) {
        const { url, headers } = await presign(file);
        return { method: "PUT", url, headers: browserHeaders(headers) };
      },
    });
  } else {
    // Uppy 6's options: tsc checks this file against the one Uppy it resolves from the root (npm hoists Uppy 5).
    /** @type {any} */ (uppy).use(AwsS3, {
      shouldUseMultipart: false,
      generateObjectKey: (file) => file.name,
      // Only a single PUT is asked for here; its `key` is the file name generateObjectKey chose.
      async signRequest(request) {
        if (request.method !== "PUT" || "uploadId" in request) throw new Error(`unexpected ${JSON.stringify(request)}`);
        const { url, headers, key } = await presign(uppy.getFiles().find((file) => file.name === request.key));
        return { url, headers: browserHeaders(headers), key };
      },
    });
  }

  const completions = [];
  uppy.on("upload-success", (file, response) => {
    const entry = record.files[file.name];
    entry.success = {
      uploadURL: response.uploadURL,
      bodyKey: response.body?.key ?? null,
      etagSeen: major === 5 ? response.body?.ETag ?? null : etagReads.get(response.uploadURL) ?? null,
    };
    const completion = api("/api/uploads/complete", { uploadId: entry.presign.body.uploadId });
    completions.push(completion.then((answer) => (entry.complete = answer)));
  });
  uppy.on("upload-error", (file, error) => record.uploadErrors.push({ name: file?.name, message: String(error) }));

  try {
    for (const { name, size, declareSha256 } of files) {
      const bytes = jpegBytes(size);
      record.files[name] = { size };
      const meta = declareSha256 ? { sha256: await sha256Hex(bytes) } : {};
      uppy.addFile({ name, type: "image/jpeg", data: new Blob([bytes], { type: "image/jpeg" }), meta });
    }
    const result = await withTimeout(uppy.upload(), timeoutMs, "uppy.upload()");
    record.result = { successful: result.successful.length, failed: result.failed.length };
    await withTimeout(Promise.all(completions), timeoutMs, "the complete calls");
  } catch (error) {
    record.error = String(error);
  }
  return record;
};
