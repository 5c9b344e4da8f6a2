import { describe, expect, it } from 'vitest';
import { signV4 } from '../../scripts/db/s3';

describe('backup upload signing', () => {
  // The "GET Bucket (List Objects)" example of AWS's Signature Version 4 documentation for S3.
  it('signV4 reproduces the signature of the AWS documentation example', () => {
    const { scope, signature } = signV4({
      method: 'GET',
      path: '/',
      query: 'max-keys=2&prefix=J',
      headers: {
        host: 'examplebucket.s3.amazonaws.com',
        'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        'x-amz-date': '20130524T000000Z',
      },
      payloadHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      amzDate: '20130524T000000Z',
      region: 'us-east-1',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    });
    expect(scope).toBe('20130524/us-east-1/s3/aws4_request');
    expect(signature).toBe('34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7');
  });
});
