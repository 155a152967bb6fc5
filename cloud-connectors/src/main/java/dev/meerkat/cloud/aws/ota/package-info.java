/**
 * The {@code afr_ota} job document of AWS IoT OTA (FreeRTOS OTA agent format). Jackson only, like
 * the Jobs shapes, so a device agent can parse and validate it.
 */
package dev.meerkat.cloud.aws.ota;
