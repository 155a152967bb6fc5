/**
 * Host-side clients of a Cloud IoT Core v1 device manager (Google's {@code google-cloud-iot} Java
 * client on its HTTP/JSON transport, any compatible endpoint). The client is an optional dependency
 * of this module: a module that uses this package declares {@code google-cloud-iot} itself; device
 * code never does.
 */
package dev.meerkat.cloud.gcp;
