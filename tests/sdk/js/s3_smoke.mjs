// S3 smoke test with the AWS SDK for JavaScript v3: a second SDK that is not botocore.
// botocore ignores XML root element names, header casing and some response details; this
// SDK does not, so every step below is a real round trip through its (de)serializers.
//
//   node s3_smoke.mjs <endpoint>
//
// Credentials and region come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_REGION). The SDK is loaded from NUVEM_JS_SDK_DIR (a directory holding node_modules,
// installed by `npm ci` from package-lock.json next to this file), or from this directory.
// Prints one JSON object on stdout: {"ok", "sdk", "steps": [{"name", "ok", ...facts, "error"}]}.
// Exit status 0 only if every step passed.
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";

const endpoint = process.argv[2];
if (!endpoint) {
  console.error("usage: node s3_smoke.mjs <endpoint>");
  process.exit(2);
}
const sdkDir = path.resolve(process.env.NUVEM_JS_SDK_DIR || path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(path.join(sdkDir, "package.json"));
const S3 = require("@aws-sdk/client-s3");
const sdkVersion = JSON.parse(
  readFileSync(path.join(sdkDir, "node_modules/@aws-sdk/client-s3/package.json"), "utf8")).version;

// -- helpers ----------------------------------------------------------------------------------
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32Base64(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((c ^ 0xffffffff) >>> 0);
  return out.toString("base64");
}
const md5 = (buf) => createHash("md5").update(buf).digest();
const md5hex = (buf) => md5(buf).toString("hex");
const quoted = (s) => `"${s}"`;

class Check extends Error {}
function check(condition, message, facts) {
  if (!condition) throw new Check(`${message}${facts === undefined ? "" : `: ${JSON.stringify(facts)}`}`);
}
function eq(actual, expected, what) {
  check(JSON.stringify(actual) === JSON.stringify(expected), `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

// Every request as it left the SDK (after checksums and signing), per command name, and the root
// element of every XML response as it arrived. The SDK itself ignores root element names (its
// XML deserializer takes whatever the first element is), so this test checks them on the wire.
const sent = {};
const roots = {};
const STREAMING_OUTPUT = new Set(["GetObjectCommand"]);
function recorder(next, context) {
  return async (args) => {
    const headers = Object.fromEntries(
      Object.entries(args.request.headers || {}).map(([k, v]) => [k.toLowerCase(), v]));
    (sent[context.commandName] ||= []).push({ method: args.request.method, path: args.request.path, headers });
    const result = await next(args);
    const response = result.response;
    if (response?.body && !(STREAMING_OUTPUT.has(context.commandName) && response.statusCode < 300)) {
      const chunks = [];
      for await (const chunk of response.body) chunks.push(Buffer.from(chunk));
      const body = Buffer.concat(chunks);
      response.body = new Uint8Array(body);   // the SDK's body collector takes bytes as they are
      const match = /^\s*(?:<\?xml[^>]*\?>\s*)?<([A-Za-z_][\w.-]*)([^>]*)>/.exec(body.toString("utf8"));
      const xmlns = match && /\sxmlns="([^"]*)"/.exec(match[2]);
      (roots[context.commandName] ||= []).push({
        status: response.statusCode, root: match ? match[1] : null, xmlns: xmlns ? xmlns[1] : null });
    }
    return result;
  };
}
function makeClient(region) {
  const client = new S3.S3Client({ endpoint, region, forcePathStyle: true, maxAttempts: 1 });
  client.middlewareStack.add(recorder, { step: "deserialize", name: "nuvemRecorder", priority: "low" });
  return client;
}
const s3 = makeClient(process.env.AWS_REGION || "us-east-1");
const lastSent = (command) => (sent[command] || []).at(-1);

const steps = [];
async function step(name, fn) {
  const result = { name, ok: false };
  try {
    Object.assign(result, (await fn()) || {});
    result.ok = true;
  } catch (error) {
    result.error = error instanceof Check ? error.message
      : `${error.name}: ${error.message} (http ${error.$metadata?.httpStatusCode})`;
    if (!(error instanceof Check)) result.stack = String(error.stack).split("\n").slice(0, 6).join("\n");
  }
  steps.push(result);
  return result;
}
async function expectError(promise, name, status) {
  try {
    await promise;
  } catch (error) {
    eq(error.name, name, "error name");
    eq(error.$metadata?.httpStatusCode, status, `${name} status`);
    check(error instanceof S3.S3ServiceException, `${name} is not an S3ServiceException`);
    return { name: error.name, code: error.Code, status: error.$metadata.httpStatusCode,
             requestId: error.$metadata.requestId };
  }
  throw new Check(`expected ${name}, the call succeeded`);
}

// -- the steps --------------------------------------------------------------------------------
const suffix = `${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
const bucket = `js-sdk-${suffix}`;
const versioned = `js-sdk-v-${suffix}`;
const text = "hello from the AWS SDK for JavaScript v3 ✓\n";
const metadata = { color: "blue", "owner-name": "nuvem" };
const contentType = "text/plain; charset=utf-8";
let helloETag;

await step("CreateBucket", async () => {
  const out = await s3.send(new S3.CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new S3.CreateBucketCommand({ Bucket: versioned }));
  return { location: out.Location };
});

await step("PutObject+GetObject", async () => {
  const body = Buffer.from(text);
  const put = await s3.send(new S3.PutObjectCommand({
    Bucket: bucket, Key: "hello.txt", Body: body, ContentType: contentType, Metadata: metadata }));
  const request = lastSent("PutObjectCommand");
  eq(put.ETag, quoted(md5hex(body)), "PutObject ETag");
  helloETag = put.ETag;
  const get = await s3.send(new S3.GetObjectCommand({ Bucket: bucket, Key: "hello.txt" }));
  eq(await get.Body.transformToString(), text, "GetObject body");
  eq(get.ContentType, contentType, "GetObject ContentType");
  eq(get.Metadata, metadata, "GetObject Metadata");
  eq(get.ContentLength, body.length, "GetObject ContentLength");
  eq(get.ETag, put.ETag, "GetObject ETag");
  return { etag: put.ETag, checksumSent: request.headers["x-amz-checksum-crc32"],
           checksumReturned: put.ChecksumCRC32, metadata: get.Metadata, contentType: get.ContentType };
});

await step("DefaultChecksums", async () => {
  // Buffer body: the SDK computes CRC32 up front and sends it as a header.
  const body = randomBytes(1000);
  const put = await s3.send(new S3.PutObjectCommand({ Bucket: bucket, Key: "checksum/buffer.bin", Body: body }));
  const headerRequest = lastSent("PutObjectCommand");
  eq(headerRequest.headers["x-amz-checksum-crc32"], crc32Base64(body), "CRC32 header the SDK sent");
  eq(put.ChecksumCRC32, crc32Base64(body), "PutObject ChecksumCRC32");
  // Stream body: aws-chunked with the CRC32 in a trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER).
  const streamed = randomBytes(200 * 1024 + 17);
  const chunks = [streamed.subarray(0, 70000), streamed.subarray(70000, 140000), streamed.subarray(140000)];
  const putStream = await s3.send(new S3.PutObjectCommand({
    Bucket: bucket, Key: "checksum/stream.bin", Body: Readable.from(chunks), ContentLength: streamed.length }));
  const trailerRequest = lastSent("PutObjectCommand");
  check(/aws-chunked/.test(trailerRequest.headers["content-encoding"] || ""),
        "the SDK did not send aws-chunked", trailerRequest.headers);
  eq(trailerRequest.headers["x-amz-trailer"], "x-amz-checksum-crc32", "x-amz-trailer");
  eq(putStream.ChecksumCRC32, crc32Base64(streamed), "streamed PutObject ChecksumCRC32");
  eq(putStream.ETag, quoted(md5hex(streamed)), "streamed PutObject ETag");
  // GetObject with checksum mode: the SDK validates the CRC32 Nuvem returns.
  const get = await s3.send(new S3.GetObjectCommand({
    Bucket: bucket, Key: "checksum/stream.bin", ChecksumMode: "ENABLED" }));
  const got = Buffer.from(await get.Body.transformToByteArray());
  check(got.equals(streamed), "streamed object bytes differ", { got: got.length, want: streamed.length });
  eq(get.ChecksumCRC32, crc32Base64(streamed), "GetObject ChecksumCRC32");
  return {
    headerMode: { "x-amz-checksum-crc32": headerRequest.headers["x-amz-checksum-crc32"],
                  "x-amz-content-sha256": headerRequest.headers["x-amz-content-sha256"] },
    trailerMode: Object.fromEntries(["content-encoding", "x-amz-trailer", "x-amz-content-sha256",
      "x-amz-decoded-content-length", "transfer-encoding", "content-length"].map(
        (h) => [h, trailerRequest.headers[h]])),
    crc32: putStream.ChecksumCRC32,
  };
});

await step("ListObjectsV2", async () => {
  for (const key of ["dir1/a.txt", "dir1/b.txt", "dir2/c.txt", "top.txt"]) {
    await s3.send(new S3.PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
  }
  const out = await s3.send(new S3.ListObjectsV2Command({ Bucket: bucket, Delimiter: "/" }));
  const keys = (out.Contents || []).map((o) => o.Key);
  const prefixes = (out.CommonPrefixes || []).map((p) => p.Prefix);
  eq(keys, ["hello.txt", "top.txt"], "ListObjectsV2 Contents");
  eq(prefixes, ["checksum/", "dir1/", "dir2/"], "ListObjectsV2 CommonPrefixes");
  eq(out.KeyCount, 5, "KeyCount");
  eq(out.Delimiter, "/", "Delimiter");
  eq(out.Name, bucket, "Name");
  eq(out.IsTruncated, false, "IsTruncated");
  const hello = out.Contents.find((o) => o.Key === "hello.txt");
  eq(hello.ETag, helloETag, "listed ETag");
  eq(hello.Size, Buffer.byteLength(text), "listed Size");
  check(hello.LastModified instanceof Date && !isNaN(hello.LastModified), "LastModified is not a date");
  const paged = await s3.send(new S3.ListObjectsV2Command({ Bucket: bucket, Prefix: "dir1/", MaxKeys: 1 }));
  eq(paged.Contents.map((o) => o.Key), ["dir1/a.txt"], "first page");
  eq(paged.IsTruncated, true, "first page IsTruncated");
  const next = await s3.send(new S3.ListObjectsV2Command({
    Bucket: bucket, Prefix: "dir1/", MaxKeys: 1, ContinuationToken: paged.NextContinuationToken }));
  eq(next.Contents.map((o) => o.Key), ["dir1/b.txt"], "second page");
  return { keys, prefixes, keyCount: out.KeyCount };
});

await step("ListBuckets", async () => {
  const out = await s3.send(new S3.ListBucketsCommand({}));
  const names = out.Buckets.map((b) => b.Name);
  check(names.includes(bucket) && names.includes(versioned), "our buckets are not listed", names);
  check(out.Buckets.every((b) => b.CreationDate instanceof Date), "CreationDate is not a date");
  check(out.Owner && out.Owner.ID, "no Owner.ID", out.Owner);
  return { count: names.length, owner: out.Owner.ID };
});

await step("HeadObject", async () => {
  const out = await s3.send(new S3.HeadObjectCommand({ Bucket: bucket, Key: "hello.txt" }));
  eq(out.ContentLength, Buffer.byteLength(text), "ContentLength");
  eq(out.ContentType, contentType, "ContentType");
  eq(out.ETag, helloETag, "ETag");
  eq(out.Metadata, metadata, "Metadata");
  check(out.LastModified instanceof Date, "LastModified is not a date");
  return { contentLength: out.ContentLength, etag: out.ETag };
});

let multipartETag;
await step("MultipartUpload", async () => {
  const key = "big/multipart.bin";
  const parts = [randomBytes(5 * 1024 * 1024), randomBytes(5 * 1024 * 1024), randomBytes(1234)];
  const whole = Buffer.concat(parts);
  const created = await s3.send(new S3.CreateMultipartUploadCommand({
    Bucket: bucket, Key: key, ContentType: "application/octet-stream", Metadata: { kind: "multipart" } }));
  check(created.UploadId, "no UploadId");
  eq(created.Bucket, bucket, "CreateMultipartUpload Bucket");
  eq(created.Key, key, "CreateMultipartUpload Key");
  const uploaded = [];
  for (const [i, body] of parts.entries()) {
    const out = await s3.send(new S3.UploadPartCommand({
      Bucket: bucket, Key: key, UploadId: created.UploadId, PartNumber: i + 1, Body: body }));
    eq(out.ETag, quoted(md5hex(body)), `part ${i + 1} ETag`);
    uploaded.push({ PartNumber: i + 1, ETag: out.ETag, checksum: out.ChecksumCRC32,
                    sentChecksum: lastSent("UploadPartCommand").headers["x-amz-checksum-crc32"] });
  }
  const listed = await s3.send(new S3.ListPartsCommand({ Bucket: bucket, Key: key, UploadId: created.UploadId }));
  eq(listed.Parts.map((p) => [p.PartNumber, p.ETag, p.Size]),
     parts.map((b, i) => [i + 1, quoted(md5hex(b)), b.length]), "ListParts");
  eq(listed.UploadId, created.UploadId, "ListParts UploadId");
  const completed = await s3.send(new S3.CompleteMultipartUploadCommand({
    Bucket: bucket, Key: key, UploadId: created.UploadId,
    MultipartUpload: { Parts: uploaded.map(({ PartNumber, ETag }) => ({ PartNumber, ETag })) } }));
  const expectedETag = quoted(`${md5hex(Buffer.concat(parts.map(md5)))}-3`);
  eq(completed.ETag, expectedETag, "CompleteMultipartUpload ETag");
  eq(completed.Key, key, "CompleteMultipartUpload Key");
  eq(completed.Bucket, bucket, "CompleteMultipartUpload Bucket");
  multipartETag = completed.ETag;
  const get = await s3.send(new S3.GetObjectCommand({ Bucket: bucket, Key: key }));
  const got = Buffer.from(await get.Body.transformToByteArray());
  eq(get.ContentLength, whole.length, "GetObject ContentLength");
  eq(got.length, whole.length, "GetObject body length");
  check(got.equals(whole), "multipart object bytes differ");
  eq(get.ETag, expectedETag, "GetObject ETag");
  eq(get.Metadata, { kind: "multipart" }, "GetObject Metadata");
  return { etag: completed.ETag, size: got.length, location: completed.Location,
           partChecksums: uploaded.map((p) => [p.sentChecksum, p.checksum]) };
});

await step("GetBucketLocation", async () => {
  const out = await s3.send(new S3.GetBucketLocationCommand({ Bucket: bucket }));
  // us-east-1 is the empty LocationConstraint.
  check(out.LocationConstraint === undefined || out.LocationConstraint === "",
        "us-east-1 bucket LocationConstraint", out.LocationConstraint);
  return { locationConstraint: out.LocationConstraint ?? null };
});

await step("BucketTagging", async () => {
  const tags = [{ Key: "env", Value: "test" }, { Key: "team", Value: "nuvem" }];
  await s3.send(new S3.PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: tags } }));
  const out = await s3.send(new S3.GetBucketTaggingCommand({ Bucket: bucket }));
  const got = [...out.TagSet].sort((a, b) => a.Key.localeCompare(b.Key));
  eq(got, tags, "TagSet");
  return { tagSet: got };
});

await step("BucketVersioning", async () => {
  const before = await s3.send(new S3.GetBucketVersioningCommand({ Bucket: versioned }));
  check(before.Status === undefined, "versioning Status before", before.Status);
  await s3.send(new S3.PutBucketVersioningCommand({
    Bucket: versioned, VersioningConfiguration: { Status: "Enabled" } }));
  const out = await s3.send(new S3.GetBucketVersioningCommand({ Bucket: versioned }));
  eq(out.Status, "Enabled", "versioning Status");
  return { status: out.Status };
});

const versionIds = [];
await step("DeleteObjects", async () => {
  for (const body of ["v1", "v2"]) {
    const put = await s3.send(new S3.PutObjectCommand({ Bucket: versioned, Key: "doc.txt", Body: body }));
    check(put.VersionId, "PutObject on a versioned bucket returned no VersionId");
    versionIds.push(put.VersionId);
  }
  await s3.send(new S3.PutObjectCommand({ Bucket: versioned, Key: "other.txt", Body: "x" }));
  const out = await s3.send(new S3.DeleteObjectsCommand({
    Bucket: versioned, Delete: { Objects: [{ Key: "doc.txt" }, { Key: "other.txt" }] } }));
  const request = lastSent("DeleteObjectsCommand");
  const deleted = (out.Deleted || []).map((d) => d.Key).sort();
  eq(deleted, ["doc.txt", "other.txt"], "Deleted");
  eq(out.Errors, undefined, "Errors");
  check(out.Deleted.every((d) => d.DeleteMarker === true && d.DeleteMarkerVersionId),
        "versioned deletes did not create delete markers", out.Deleted);
  // Non-versioned bucket, quiet mode.
  const quiet = await s3.send(new S3.DeleteObjectsCommand({
    Bucket: bucket, Delete: { Quiet: true, Objects: [{ Key: "dir1/a.txt" }, { Key: "dir1/b.txt" }] } }));
  eq(quiet.Deleted, undefined, "quiet Deleted");
  const left = await s3.send(new S3.ListObjectsV2Command({ Bucket: bucket, Prefix: "dir1/" }));
  eq(left.KeyCount, 0, "objects left under dir1/");
  return { deleted, checksumSent: request.headers["x-amz-checksum-crc32"] ?? request.headers["content-md5"] };
});

await step("ListObjectVersions", async () => {
  const out = await s3.send(new S3.ListObjectVersionsCommand({ Bucket: versioned, Prefix: "doc.txt" }));
  const versions = (out.Versions || []).map((v) => [v.Key, v.VersionId, v.IsLatest]);
  eq(versions, [["doc.txt", versionIds[1], false], ["doc.txt", versionIds[0], false]], "Versions");
  eq((out.DeleteMarkers || []).map((m) => [m.Key, m.IsLatest]), [["doc.txt", true]], "DeleteMarkers");
  eq(out.Name, versioned, "Name");
  const old = await s3.send(new S3.GetObjectCommand({ Bucket: versioned, Key: "doc.txt", VersionId: versionIds[0] }));
  eq(await old.Body.transformToString(), "v1", "old version body");
  eq(old.VersionId, versionIds[0], "old VersionId");
  return { versions: versions.length, deleteMarkers: out.DeleteMarkers.length };
});

await step("GetObjectAttributes", async () => {
  const simple = await s3.send(new S3.GetObjectAttributesCommand({
    Bucket: bucket, Key: "hello.txt", ObjectAttributes: ["ETag", "ObjectSize", "StorageClass", "Checksum"] }));
  eq(simple.ETag, helloETag.replaceAll('"', ""), "ETag (GetObjectAttributes has no quotes)");
  eq(simple.ObjectSize, Buffer.byteLength(text), "ObjectSize");
  eq(simple.StorageClass, "STANDARD", "StorageClass");
  eq(simple.Checksum?.ChecksumCRC32, crc32Base64(Buffer.from(text)), "Checksum.ChecksumCRC32");
  const multi = await s3.send(new S3.GetObjectAttributesCommand({
    Bucket: bucket, Key: "big/multipart.bin", ObjectAttributes: ["ETag", "ObjectSize", "ObjectParts"] }));
  eq(multi.ETag, multipartETag.replaceAll('"', ""), "multipart ETag");
  eq(multi.ObjectSize, 2 * 5 * 1024 * 1024 + 1234, "multipart ObjectSize");
  eq(multi.ObjectParts?.TotalPartsCount, 3, "ObjectParts.TotalPartsCount");
  return { simple: { etag: simple.ETag, size: simple.ObjectSize, checksum: simple.Checksum },
           multipart: { etag: multi.ETag, size: multi.ObjectSize, parts: multi.ObjectParts?.TotalPartsCount } };
});

await step("CopyObject", async () => {
  const out = await s3.send(new S3.CopyObjectCommand({
    Bucket: versioned, Key: "copied.txt", CopySource: `${bucket}/hello.txt` }));
  eq(out.CopyObjectResult?.ETag, helloETag, "CopyObjectResult.ETag");
  check(out.CopyObjectResult.LastModified instanceof Date, "CopyObjectResult.LastModified is not a date");
  check(out.VersionId, "CopyObject into a versioned bucket returned no VersionId");
  const get = await s3.send(new S3.GetObjectCommand({ Bucket: versioned, Key: "copied.txt" }));
  eq(await get.Body.transformToString(), text, "copied body");
  eq(get.Metadata, metadata, "copied Metadata");
  eq(get.ContentType, contentType, "copied ContentType");
  // REPLACE: new metadata and content type.
  await s3.send(new S3.CopyObjectCommand({
    Bucket: bucket, Key: "replaced.txt", CopySource: `${bucket}/hello.txt`, MetadataDirective: "REPLACE",
    Metadata: { replaced: "yes" }, ContentType: "text/markdown" }));
  const head = await s3.send(new S3.HeadObjectCommand({ Bucket: bucket, Key: "replaced.txt" }));
  eq(head.Metadata, { replaced: "yes" }, "replaced Metadata");
  eq(head.ContentType, "text/markdown", "replaced ContentType");
  return { etag: out.CopyObjectResult.ETag, versionId: out.VersionId };
});

await step("Errors", async () => {
  const noKey = await expectError(
    s3.send(new S3.GetObjectCommand({ Bucket: bucket, Key: "no/such/key" })), "NoSuchKey", 404);
  const noBucket = await expectError(
    s3.send(new S3.GetObjectCommand({ Bucket: `js-sdk-missing-${suffix}`, Key: "k" })), "NoSuchBucket", 404);
  const noBucketList = await expectError(
    s3.send(new S3.ListObjectsV2Command({ Bucket: `js-sdk-missing-${suffix}` })), "NoSuchBucket", 404);
  const headMissing = await expectError(
    s3.send(new S3.HeadObjectCommand({ Bucket: bucket, Key: "no/such/key" })), "NotFound", 404);
  const noUpload = await expectError(
    s3.send(new S3.ListPartsCommand({ Bucket: bucket, Key: "k", UploadId: "nope" })), "NoSuchUpload", 404);
  const noTags = await expectError(
    s3.send(new S3.GetBucketTaggingCommand({ Bucket: versioned })), "NoSuchTagSet", 404);
  return { noKey, noBucket, noBucketList, headMissing, noUpload, noTags };
});

// AWS's root element for each response with a body (the names botocore's model lacks).
const S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/";
const EXPECTED_ROOTS = {
  ListObjectsV2Command: "ListBucketResult",
  ListBucketsCommand: "ListAllMyBucketsResult",
  CreateMultipartUploadCommand: "InitiateMultipartUploadResult",
  ListPartsCommand: "ListPartsResult",
  CompleteMultipartUploadCommand: "CompleteMultipartUploadResult",
  GetBucketLocationCommand: "LocationConstraint",
  GetBucketTaggingCommand: "Tagging",
  GetBucketVersioningCommand: "VersioningConfiguration",
  DeleteObjectsCommand: "DeleteResult",
  ListObjectVersionsCommand: "ListVersionsResult",
  GetObjectAttributesCommand: "GetObjectAttributesResponse",
  CopyObjectCommand: "CopyObjectResult",
};
await step("XmlRootElements", async () => {
  const seen = {};
  const wrong = new Set();
  for (const [command, responses] of Object.entries(roots)) {
    for (const { status, root, xmlns } of responses) {
      if (root === null) continue;   // an empty body
      const expected = status >= 300 ? "Error" : EXPECTED_ROOTS[command];
      const key = `${command} ${status}`;
      seen[key] = root;
      if (expected === undefined) wrong.add(`${key}: unexpected XML body <${root}>`);
      else if (root !== expected) wrong.add(`${key}: root <${root}>, AWS sends <${expected}>`);
      else if (status < 300 && xmlns !== S3_NS) wrong.add(`${key}: <${root}> xmlns ${JSON.stringify(xmlns)}, AWS sends ${S3_NS}`);
    }
  }
  const missing = Object.keys(EXPECTED_ROOTS).filter((c) => !(roots[c] || []).some((r) => r.status < 300 && r.root));
  check(missing.length === 0, "no XML response seen for", missing);
  check(wrong.size === 0, [...wrong].join("; "));
  return { roots: seen };
});

const ok = steps.every((s) => s.ok);
process.stdout.write(JSON.stringify({ ok, sdk: { package: "@aws-sdk/client-s3", version: sdkVersion }, steps }, null, 1) + "\n");
process.exit(ok ? 0 : 1);
