// The browser side of uppy-multipart.test.js, bundled once per Uppy major (esbuild points "@uppy/core" and
// "@uppy/aws-s3" at that major's packages). The code between the "README:begin <name>" and "README:end" lines is
// the README's Uppy configuration, quoted there verbatim (the test checks that it is): the shared helpers, then
// useUpgateWithUppy5 and useUpgateWithUppy6. Below it, window.runUppyMultipart(options) fetches the test's files
// from the page's own server, uploads them with the configuration of the bundle's major and resolves with what
// happened; a failed step or a timeout is part of that record, not a rejection.
/* global window */

// README:begin shared
import Uppy from "@uppy/core";
import AwsS3 from "@uppy/aws-s3";

const MiB = 1024 * 1024;

// Upgate's JSON API with the user's token (`token` returns it, or a promise of it). A 429 is waited out as its
// Retry-After says; any other refusal throws, with Upgate's error (code, message, ...) as `error.upgate`.
function upgateApi({ upgate, token }) {
  return async function call(method, path, body) {
    for (let attempt = 1; ; attempt += 1) {
      const response = await fetch(new URL(path, upgate), {
        method,
        headers: { authorization: `Bearer ${await token()}`, ...(body ? { "content-type": "application/json" } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      if (response.status === 429 && attempt < 5) {
        await new Promise((resolve) => setTimeout(resolve, 1000 * Number(response.headers.get("retry-after") ?? 1)));
        continue;
      }
      const answer = await response.json().catch(() => ({}));
      if (response.ok) return answer;
      const { code = response.status, message = response.statusText } = answer.error ?? {};
      throw Object.assign(new Error(`${method} ${path}: ${code}: ${message}`), { upgate: answer.error });
    }
  };
}

// A browser sets Content-Length itself and refuses a script that tries to: pass on every other header.
const browserHeaders = (headers = {}) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== "content-length"));

// Resuming after a reload. This browser remembers the multipart uploads it started (localStorage, by object key).
// Before an upload starts, a pre-processor hands Uppy those that Upgate still holds pending for the same file, as
// file.s3Multipart (what @uppy/golden-retriever would restore): Uppy then lists the upload's parts and sends only
// the ones Upgate does not have. A finished, aborted or expired upload is forgotten and the file starts afresh.
function resumeMultipartUploads(uppy, { call, keyOf, partSize }) {
  const entry = (key) => `upgate-multipart:${key}`;
  uppy.addPreProcessor(async (fileIDs) => {
    for (const file of uppy.getFilesByIds(fileIDs)) {
      const key = keyOf(file);
      const saved = JSON.parse(localStorage.getItem(entry(key)) ?? "null");
      if (!saved) continue;
      const sameFile = saved.size === file.size && saved.lastModified === file.data.lastModified;
      const upload = sameFile ? await call("GET", `/api/uploads/${saved.uploadId}`).catch(() => null) : null;
      if (upload?.state === "pending" && upload.key === key && upload.partSize === partSize) {
        uppy.setFileState(file.id, { s3Multipart: { key, uploadId: saved.uploadId } });
      } else {
        localStorage.removeItem(entry(key));
      }
    }
  });
  uppy.on("upload-success", (file) => localStorage.removeItem(entry(keyOf(file))));
  return (file, uploadId) =>
    localStorage.setItem(entry(keyOf(file)), JSON.stringify({ uploadId, size: file.size, lastModified: file.data.lastModified }));
}

// A single PUT becomes a file of the shoot once Upgate has checked it: a post-processor completes each one after
// Uppy's upload (a multipart upload is completed by the plugin itself). A refused completion is an upload-error.
function completeSinglePuts(uppy, call) {
  const pending = new Map(); // Uppy file id -> Upgate uploadId
  uppy.addPostProcessor(async (fileIDs) => {
    const done = fileIDs.filter((id) => pending.has(id) && !uppy.getFile(id)?.error);
    await Promise.all(
      done.map(async (id) => {
        try {
          await call("POST", "/api/uploads/complete", { uploadId: pending.get(id) });
          pending.delete(id);
        } catch (error) {
          uppy.emit("upload-error", uppy.getFile(id), error);
        }
      }),
    );
  });
  return pending;
}
// README:end

// README:begin uppy-5
// Uppy 5 (@uppy/aws-s3 5.x): the plugin's hooks call Upgate's JSON endpoints. A file up to one part goes in one
// PUT (presign, PUT, complete); a larger one in parts of `partSize` bytes, which Upgate fixes at create.
function useUpgateWithUppy5(uppy, { upgate, token, shootId, partSize = 16 * MiB }) {
  const call = upgateApi({ upgate, token });
  const keyOf = (file) => `shoots/${shootId}/${file.name}`;
  const declaration = (file) => ({ shootId, filename: file.name, contentType: file.type, size: file.size });
  const remember = resumeMultipartUploads(uppy, { call, keyOf, partSize });
  const singlePuts = completeSinglePuts(uppy, call);
  uppy.use(AwsS3, {
    shouldUseMultipart: (file) => file.size > partSize,
    getChunkSize: () => partSize, // Uppy must cut the file exactly as Upgate numbers its parts
    async getUploadParameters(file) {
      const { uploadId, url, headers } = await call("POST", "/api/uploads/presign", declaration(file));
      singlePuts.set(file.id, uploadId);
      return { method: "PUT", url, headers: browserHeaders(headers) };
    },
    async createMultipartUpload(file) {
      const { uploadId, key } = await call("POST", "/api/uploads/multipart", { ...declaration(file), partSize });
      remember(file, uploadId);
      return { uploadId, key };
    },
    async signPart(file, { uploadId, partNumber }) {
      const { parts } = await call("POST", "/api/uploads/multipart/sign", { uploadId, partNumbers: [partNumber] });
      return { method: "PUT", url: parts[0].url, headers: browserHeaders(parts[0].headers) };
    },
    async listParts(file, { uploadId }) {
      const { parts } = await call("GET", `/api/uploads/${uploadId}`);
      return parts.map(({ partNumber, size, etag }) => ({ PartNumber: partNumber, Size: size, ETag: etag }));
    },
    // Upgate records every part it receives: complete needs only the upload id.
    async completeMultipartUpload(file, { uploadId }) {
      return call("POST", "/api/uploads/complete", { uploadId });
    },
    async abortMultipartUpload(file, { uploadId }) {
      await call("POST", "/api/uploads/abort", { uploadId });
    },
  });
}
// README:end

// README:begin uppy-6
// Uppy 6 (@uppy/aws-s3 6.x): the plugin speaks S3's own API and has each request presigned by signRequest,
// which asks Upgate's sign-request. signRequest is given only the request, so generateObjectKey notes which file
// each key is for: the request that starts an upload (a single PUT, or CreateMultipartUpload) declares it.
function useUpgateWithUppy6(uppy, { upgate, token, shootId, partSize = 16 * MiB }) {
  const call = upgateApi({ upgate, token });
  const keyOf = (file) => `shoots/${shootId}/${file.name}`;
  const remember = resumeMultipartUploads(uppy, { call, keyOf, partSize });
  const singlePuts = completeSinglePuts(uppy, call);
  const files = new Map(); // object key -> Uppy file
  uppy.use(AwsS3, {
    shouldUseMultipart: (file) => file.size > partSize,
    getChunkSize: () => partSize, // Uppy must cut the file exactly as Upgate numbers its parts
    generateObjectKey(file) {
      files.set(keyOf(file), file);
      return keyOf(file);
    },
    async signRequest(request) {
      const file = files.get(request.key);
      const declares = !("uploadId" in request); // PutObject or CreateMultipartUpload
      const creates = declares && request.method === "POST";
      const answer = await call("POST", "/api/uploads/sign-request", {
        shootId,
        request: declares ? { ...request, contentType: file.type } : request,
        ...(declares ? { size: file.size } : {}),
        ...(creates ? { partSize } : {}),
      });
      if (creates) remember(file, answer.uploadId);
      else if (declares) singlePuts.set(file.id, answer.uploadId);
      return { url: answer.url, key: answer.key, headers: browserHeaders(answer.headers) };
    },
  });
}
// README:end

// ---------------------------------------------------------------------------------------------------------
// The test's entry point.

const major = Number(Uppy.VERSION.split(".")[0]);

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// options: {workerUrl, token, shootId, partSize, files: [{name, url, lastModified}], timeoutMs}; each file's bytes
// are fetched from its url (the page's own server) and added as a File of type image/jpeg.
async function runUppyMultipart({ workerUrl, token, shootId, partSize, files, timeoutMs }) {
  const record = {
    versions: { core: Uppy.VERSION, awsS3: AwsS3.VERSION },
    successes: {},
    uploadErrors: [],
    partsUploaded: [],
  };
  try {
    const uppy = new Uppy({ autoProceed: false });
    const configure = major === 5 ? useUpgateWithUppy5 : useUpgateWithUppy6;
    configure(uppy, { upgate: workerUrl, token: () => token, shootId, partSize });
    uppy.on("upload-success", (file, response) => {
      record.successes[file.name] = { uploadURL: response.uploadURL ?? null, body: response.body ?? null };
    });
    uppy.on("upload-error", (file, error) => record.uploadErrors.push({ name: file?.name, message: String(error) }));
    uppy.on("s3-multipart:part-uploaded", (file, part) =>
      record.partsUploaded.push({ name: file.name, partNumber: part.PartNumber, etag: part.ETag }),
    );
    for (const { name, url, lastModified } of files) {
      const blob = await (await fetch(url)).blob();
      uppy.addFile({ name, type: "image/jpeg", data: new File([blob], name, { type: "image/jpeg", lastModified }) });
    }
    const result = await withTimeout(uppy.upload(), timeoutMs, "uppy.upload()");
    record.result = {
      successful: result.successful.map((file) => file.name).sort(),
      failed: result.failed.map((file) => ({ name: file.name, error: String(file.error) })),
    };
  } catch (error) {
    record.error = String(error?.stack ?? error);
  }
  return record;
}

/** @type {any} */ (window).runUppyMultipart = runUppyMultipart;
