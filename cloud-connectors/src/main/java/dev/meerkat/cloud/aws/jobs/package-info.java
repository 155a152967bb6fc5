/**
 * The AWS IoT Jobs MQTT API as data: topics, request/response payloads, the execution status state
 * machine and its update rules. Depends on Jackson only, so device code and services share one home
 * for the protocol without pulling the AWS SDK or an MQTT client onto their classpath.
 */
package dev.meerkat.cloud.aws.jobs;
