/**
 * Host-side clients on the AWS SDK for Java v2 (S3, IoT control plane). The SDK is an optional
 * dependency of this module: a module that uses this package declares {@code s3}/{@code iot}
 * itself; device code never does.
 */
package dev.meerkat.cloud.aws.sdk;
