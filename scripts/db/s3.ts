import { createHash, createHmac } from 'node:crypto';

/** An S3-compatible bucket (AWS S3, Cloudflare R2, MinIO...), addressed path-style. */
export interface S3Target {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
/** RFC 3986 encoding, as SigV4 wants it. */
const encode = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** AWS Signature Version 4 of one request (every header in `headers` is signed). */
export function signV4(r: {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  payloadHash: string;
  amzDate: string;
  region: string;
  secretAccessKey: string;
}): { scope: string; signature: string } {
  const signed = Object.keys(r.headers).sort();
  const canonical = [
    r.method,
    r.path,
    r.query,
    ...signed.map((h) => `${h}:${r.headers[h]}`),
    '',
    signed.join(';'),
    r.payloadHash,
  ].join('\n');
  const day = r.amzDate.slice(0, 8);
  const scope = `${day}/${r.region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', r.amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${r.secretAccessKey}`, day), r.region), 's3'), 'aws4_request');
  return { scope, signature: createHmac('sha256', key).update(toSign).digest('hex') };
}

/** One request signed with AWS Signature Version 4; throws on a non-2xx answer. */
async function s3Request(
  target: S3Target,
  method: 'GET' | 'PUT' | 'DELETE',
  key: string,
  options: { query?: Record<string, string>; body?: Buffer } = {},
): Promise<string> {
  const base = new URL(target.endpoint);
  const path = `${base.pathname.replace(/\/$/, '')}/${encode(target.bucket)}${key ? `/${key.split('/').map(encode).join('/')}` : ''}`;
  const query = Object.entries(options.query ?? {})
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
    .sort()
    .join('&');
  const now = new Date();
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  const payloadHash = sha256(options.body ?? '');
  const headers: Record<string, string> = {
    host: base.host,
    'x-amz-content-sha256': payloadHash,
    'x-amz-date': amzDate,
  };
  const signed = Object.keys(headers).sort();
  const { scope, signature } = signV4({ method, path, query, headers, payloadHash, amzDate, ...target });
  const { host: _host, ...sent } = headers;
  const res = await fetch(`${base.origin}${path}${query ? `?${query}` : ''}`, {
    method,
    headers: {
      ...sent,
      authorization: `AWS4-HMAC-SHA256 Credential=${target.accessKeyId}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`,
    },
    body: options.body,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`S3 ${method} ${key || '/'} answered ${res.status}: ${text.slice(0, 300)}`);
  return text;
}

/** Uploads one file in a single PUT (S3 allows up to 5 GB that way). */
export async function putObject(target: S3Target, key: string, body: Buffer): Promise<void> {
  await s3Request(target, 'PUT', key, { body });
}

/** Every key under `prefix` (ListObjectsV2, page after page). */
export async function listKeys(target: S3Target, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const xml = await s3Request(target, 'GET', '', {
      query: { 'list-type': '2', prefix, ...(token ? { 'continuation-token': token } : {}) },
    });
    for (const m of xml.matchAll(/<Key>([^<]*)<\/Key>/g)) keys.push(unescapeXml(m[1] ?? ''));
    token = /<IsTruncated>true<\/IsTruncated>/.test(xml)
      ? unescapeXml(/<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(xml)?.[1] ?? '')
      : undefined;
  } while (token);
  return keys;
}

export async function deleteObject(target: S3Target, key: string): Promise<void> {
  await s3Request(target, 'DELETE', key);
}

function unescapeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** The bucket from BACKUP_S3_* and the AWS_* credentials, or undefined when no bucket is set. */
export function s3TargetFromEnv(env: NodeJS.ProcessEnv): S3Target | undefined {
  if (!env.BACKUP_S3_BUCKET) return undefined;
  const missing = ['BACKUP_S3_ENDPOINT', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'].filter((k) => !env[k]);
  if (missing.length > 0) throw new Error(`BACKUP_S3_BUCKET is set but ${missing.join(', ')} is not.`);
  return {
    endpoint: env.BACKUP_S3_ENDPOINT as string,
    bucket: env.BACKUP_S3_BUCKET,
    region: env.BACKUP_S3_REGION ?? 'auto',
    accessKeyId: env.AWS_ACCESS_KEY_ID as string,
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY as string,
  };
}
