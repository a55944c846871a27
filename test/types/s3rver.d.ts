// s3rver ships no types; the tests use it as a small untyped S3 server.
declare module 's3rver';
