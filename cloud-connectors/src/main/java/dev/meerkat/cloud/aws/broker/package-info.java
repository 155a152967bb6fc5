/**
 * The service side of the AWS IoT Jobs MQTT API: {@link
 * dev.meerkat.cloud.aws.broker.JobsProtocolEngine} turns device requests into accepted/rejected
 * answers and notify events over a {@link dev.meerkat.cloud.aws.broker.JobsBackend} (the store of
 * executions), and {@link dev.meerkat.cloud.aws.broker.MqttJobsService} runs it on a broker
 * connection (Paho, an optional dependency of this module).
 */
package dev.meerkat.cloud.aws.broker;
