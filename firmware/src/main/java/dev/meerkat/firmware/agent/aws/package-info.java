/**
 * The AWS IoT Jobs agent: takes {@code afr_ota} jobs over the Jobs MQTT API (AWS IoT Core, or
 * fleet-service's compatible endpoint), checks them against the device's trusted keys and runs them
 * through the one OTA orchestrator, {@link dev.meerkat.firmware.ota.OtaUpdate}. Protocol shapes
 * come from {@code dev.meerkat.cloud.aws.jobs} and {@code .ota}; no vendor SDK is used on the
 * device.
 */
package dev.meerkat.firmware.agent.aws;
