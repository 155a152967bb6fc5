/**
 * AWS Signature Version 4 verification for a server that speaks AWS's REST wire format (the IoT
 * control-plane subset fleet-service serves). JDK only.
 */
package dev.meerkat.cloud.aws.sigv4;
